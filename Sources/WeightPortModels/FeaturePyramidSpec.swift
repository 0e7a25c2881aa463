/// The FPN on res2–res5: lateral 1×1 convs, nearest top-down upsampling, 3×3 output convs.
public struct FeaturePyramidSpec: Codable, Sendable, Equatable {
    /// Levels above P5.
    public enum TopBlock: String, Codable, Sendable {
        /// Only P2–P5.
        case none
        /// P6 = max-pool(kernel 1, stride 2) of P5 (Detectron, detectron2, torchvision).
        case maxPool = "max_pool"
        /// RetinaNet P6 = conv3×3/2(C5), P7 = conv3×3/2(relu(P6)) (Detectron, detectron2).
        case p6p7FromC5 = "p6p7_c5"
        /// RetinaNet P6/P7 computed from P5 (torchvision `LastLevelP6P7(256, 256)`, mmdet `on_output`).
        case p6p7FromP5 = "p6p7_p5"
    }

    /// Channels of every P level (256 in every published model).
    public var channels: Int
    public var topBlock: TopBlock
    /// Detectron.pytorch `*_P2only` bodies: compute the pyramid but return only P2.
    public var onlyP2: Bool
    /// Norm after lateral and output convs (Detectron GN models); nil for plain convs with bias.
    public var norm: NormSpec?

    public init(channels: Int = 256, topBlock: TopBlock = .maxPool, onlyP2: Bool = false, norm: NormSpec? = nil) {
        self.channels = channels
        self.topBlock = topBlock
        self.onlyP2 = onlyP2
        self.norm = norm
    }
}
