/// What a naming convention implies that no tensor carries (CONVENTIONS.md §2.11): conversions
/// compare these between source and target and warn where they disagree.
public struct ConventionSemantics: Sendable, Codable, Equatable {
    /// Stride 2 on the first 1×1 conv of a block (MSRA/Caffe/Detectron) rather than the 3×3.
    public var strideInFirst1x1: Bool?
    /// `pytorch`: 3×3 max-pool, pad 1, floor. `caffe`: no pad, ceil.
    public var pool1: String?
    /// Whether the stem conv's bias is used (`used`), present but ignored (`ignored`), or never there (`absent`).
    public var stemConvBias: String?
    /// `affine` (scale and bias only), `batchnorm`, `frozen_batchnorm`, `groupnorm`.
    public var norm: String?
    /// Epsilon the consumer adds to the variance (0 for an eps-less frozen BN).
    public var normEps: Double?
    /// `BGR` or `RGB`.
    public var inputChannels: String?
    /// 255 for 0–255 pixels, 1 for 0–1.
    public var pixelScale: Double?
    public var pixelMean: [Double]?
    public var pixelStd: [Double]?
    /// `first` (index 0, with 4(K+1) box rows) or `last` (4K box rows).
    public var backgroundClass: String?
    /// How the framework's checkpoints hold the state dict: `bare`, `model` ({'model': sd}) or
    /// `state_dict` ({'state_dict': sd, 'meta': …}).
    public var checkpoint: String?
    /// Whether the framework's models can hold GroupNorm layers under these names.
    public var groupNorm: Bool?

    enum CodingKeys: String, CodingKey {
        case strideInFirst1x1 = "stride_in_1x1", pool1, stemConvBias = "stem_conv_bias", norm, normEps = "norm_eps"
        case inputChannels = "input_channels", pixelScale = "pixel_scale", pixelMean = "pixel_mean", pixelStd = "pixel_std"
        case backgroundClass = "background_class", checkpoint, groupNorm = "group_norm"
    }

    public init() {}
}
