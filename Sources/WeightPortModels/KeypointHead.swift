/// The keypoint head (`roi_heads.keypoint_head`): `convs` 3×3 convs + ReLU (`conv_fcn1…8`,
/// Detectron `v1convX`), then `score_lowres`, a 4×4/2 transposed conv to one heatmap per
/// keypoint; each framework then upsamples ×2 its own way.
public struct KeypointHead: HeadNode, Equatable {
    public struct Spec: Codable, Sendable, Equatable {
        public var inChannels: Int
        public var convs: Int
        public var dim: Int
        public var keypoints: Int

        public init(inChannels: Int, convs: Int, dim: Int, keypoints: Int) {
            self.inChannels = inChannels
            self.convs = convs
            self.dim = dim
            self.keypoints = keypoints
        }
    }

    public let spec: Spec
    public var path: String { "roi_heads.keypoint_head" }

    public var convolutions: [ConvolutionLayer] {
        (0..<spec.convs).map { i in
            HeadLayers.tower("\(path).conv_fcn\(i + 1)", in: i == 0 ? spec.inChannels : spec.dim, out: spec.dim, norm: nil)
        }
    }

    public var parameters: [ParameterSpec] {
        convolutions.flatMap(\.parameters)
            + HeadLayers.transposed(path + ".score_lowres", in: spec.convs > 0 ? spec.dim : spec.inChannels,
                                    out: spec.keypoints, kernel: 4)
    }
}
