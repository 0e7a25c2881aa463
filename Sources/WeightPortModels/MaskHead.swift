/// The mask head (`roi_heads.mask_head`): `convs` 3×3 convs (`mask_fcn1…`, + norm or bias, ReLU),
/// a 2×2/2 transposed conv (`deconv`) + ReLU, and 1×1 per-class logits (`predictor`). Detectron's
/// FPN `v1up4convs` has four convs; C4 `v0upshare` has none and upsamples the box head's res5
/// output; C4 `v0up` has none and upsamples its own res5 copy (`MaskRes5Head`).
public struct MaskHead: HeadNode, Equatable {
    public struct Spec: Codable, Sendable, Equatable {
        public var inChannels: Int
        public var convs: Int
        public var dim: Int
        public var convNorm: NormSpec?
        /// Mask classes including the background channel.
        public var classes: Int
        /// Blocks of the mask branch's own res5 (Detectron `v0up`: `roi_heads.mask_head.res5.*`,
        /// blobs `_[mask]_res5_*`); nil when the head has none.
        public var ownRes5Blocks: Int?

        public init(inChannels: Int, convs: Int, dim: Int, convNorm: NormSpec? = nil, classes: Int, ownRes5Blocks: Int? = nil) {
            self.inChannels = inChannels
            self.convs = convs
            self.dim = dim
            self.convNorm = convNorm
            self.classes = classes
            self.ownRes5Blocks = ownRes5Blocks
        }
    }

    public let spec: Spec
    public var path: String { "roi_heads.mask_head" }

    public var convolutions: [ConvolutionLayer] {
        (0..<spec.convs).map { i in
            HeadLayers.tower("\(path).mask_fcn\(i + 1)", in: i == 0 ? spec.inChannels : spec.dim, out: spec.dim,
                             norm: spec.convNorm)
        } + [ConvolutionLayer(path: path + ".predictor", inChannels: spec.dim, outChannels: spec.classes, kernel: 1,
                              hasBias: true)]
    }

    public var parameters: [ParameterSpec] {
        let towers = convolutions.dropLast()
        let deconvIn = spec.convs > 0 ? spec.dim : spec.inChannels
        return towers.flatMap(\.parameters) + HeadLayers.transposed(path + ".deconv", in: deconvIn, out: spec.dim, kernel: 2)
            + (convolutions.last?.parameters ?? [])
    }
}
