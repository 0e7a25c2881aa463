import WeightPortVocabulary

/// What a naming convention implies that no tensor carries (CONVENTIONS.md §2.11): conversions
/// compare these between source and target and warn where they disagree. Every value is a
/// vocabulary term, so a table that misspells one fails to load.
public struct ConventionSemantics: Sendable, Codable, Equatable {
    /// Stride 2 on the first 1×1 conv of a block (MSRA/Caffe/Detectron) rather than the 3×3.
    public var strideInFirst1x1: Bool?
    public var pool1: PoolRounding?
    public var stemConvBias: StemBiasUse?
    public var norm: DeclaredNorm?
    /// Epsilon the consumer adds to the variance (0 for an eps-less frozen BN).
    public var normEps: Double?
    public var inputChannels: ChannelOrder?
    /// 255 for 0–255 pixels, 1 for 0–1.
    public var pixelScale: Double?
    public var pixelMean: [Double]?
    public var pixelStd: [Double]?
    /// Cross-checked against the predictor rules' transforms when the table loads.
    public var backgroundClass: BackgroundPosition?
    public var checkpoint: CheckpointLayout?
    /// How `.pkl` outputs hold the weights; nil writes a flat dict.
    public var pickle: PickleLayout?
    /// Whether the framework's models can hold GroupNorm layers under these names.
    public var groupNorm: Bool?
    /// What the framework's detection heads compute (the table's `heads:` section).
    public var heads: HeadSemantics?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case strideInFirst1x1 = "stride_in_1x1", pool1, stemConvBias = "stem_conv_bias", norm, normEps = "norm_eps"
        case inputChannels = "input_channels", pixelScale = "pixel_scale", pixelMean = "pixel_mean", pixelStd = "pixel_std"
        case backgroundClass = "background_class", checkpoint, pickle, groupNorm = "group_norm", heads
    }

    public init() {}
}
