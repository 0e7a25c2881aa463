import WeightPortVocabulary

/// How the source framework runs its heads (from its table, its checkpoint's config or options),
/// and the boxes to run them on: everything the heads compute that no tensor says.
public struct HeadSettings: Sendable, Equatable {
    public typealias Pooler = PoolerSetting

    /// Boxes in input pixel coordinates; heads that pool RoIs run only when there are some.
    public var boxes: [RoIBox]
    public var roiAlign: RoIAlignVariant = .legacy
    public var box = Pooler(resolution: 7, samplingRatio: 2)
    public var mask = Pooler(resolution: 14, samplingRatio: 2)
    public var keypoint = Pooler(resolution: 14, samplingRatio: 2)
    /// C4: the box head's RoIs pooled from res4 at 1/16.
    public var c4 = Pooler(resolution: 14, samplingRatio: 0)
    /// C4: the mask branch's own res4 pooling (Detectron's `_[mask]_pool5`, `MRCNN.ROI_XFORM_*`);
    /// nil: the box head's `c4`, as in frameworks whose mask branch reuses the box head's pooler.
    public var c4Mask: Pooler?
    /// Dilation of a C4 mask branch's res5 (Detectron `MRCNN.DILATION`; 1 runs it as res5 is
    /// built, stride 2 in its first block; otherwise every 3×3 is dilated and nothing strided).
    public var maskDilation = 1
    public var levelRule: LevelRule = .detectron
    /// nil: the rule's own default (224, or mmdet's 56).
    public var canonicalScale: Float?
    public var canonicalLevel = 4
    /// FPN levels RoIs are pooled from (Detectron `ROI_MIN_LEVEL`…`ROI_MAX_LEVEL`).
    public var minLevel = 2
    public var maxLevel = 5
    public var keypointUpsampling: KeypointUpsampling = .bilinearInterpolate

    /// The pooling a C4 mask branch runs on res4: its own, else the box head's.
    public var c4MaskPooler: Pooler { c4Mask ?? c4 }

    public init(boxes: [RoIBox]) {
        self.boxes = boxes
    }
}
