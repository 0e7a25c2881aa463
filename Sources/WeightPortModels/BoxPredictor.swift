/// Class scores and box deltas (`roi_heads.box_predictor`), background first on the hub.
public struct BoxPredictor: HeadNode, Equatable {
    public struct Spec: Codable, Sendable, Equatable {
        public var inFeatures: Int
        /// Classes including the background.
        public var classes: Int
        /// Rows of `bbox_pred`: 4·classes class-specific; 8 (Detectron `CLS_AGNOSTIC_BBOX_REG`) or
        /// 4 (detectron2 / mmdet `reg_class_agnostic`) class-agnostic.
        public var boxRows: Int

        public init(inFeatures: Int, classes: Int, boxRows: Int) {
            self.inFeatures = inFeatures
            self.classes = classes
            self.boxRows = boxRows
        }

        public var isClassAgnostic: Bool { boxRows != 4 * classes }
    }

    public let spec: Spec
    public var path: String { "roi_heads.box_predictor" }

    public var parameters: [ParameterSpec] {
        HeadLayers.linear(path + ".cls_score", in: spec.inFeatures, out: spec.classes)
            + HeadLayers.linear(path + ".bbox_pred", in: spec.inFeatures, out: spec.boxRows)
    }
}
