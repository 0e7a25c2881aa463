/// The box head (`roi_heads.box_head`) on RoI features `[N, C, R, R]`: `convs` 3×3 convs (+ norm
/// or bias, ReLU), flattened, then `fcs` fully connected layers with ReLU (Detectron `2mlp`:
/// no convs, two fcs; `Xconv1fc`: X convs, one fc).
public struct BoxHead: HeadNode, Equatable {
    public struct Spec: Codable, Sendable, Equatable {
        /// Channels of the pooled RoI features.
        public var inChannels: Int
        /// RoIAlign output size R.
        public var resolution: Int
        public var convs: Int
        public var convDim: Int
        /// GroupNorm after each conv (the `*_gn` heads); nil: a bias instead.
        public var convNorm: NormSpec?
        public var fcs: Int
        public var fcDim: Int

        public init(inChannels: Int, resolution: Int, convs: Int = 0, convDim: Int = 256, convNorm: NormSpec? = nil,
                    fcs: Int = 2, fcDim: Int = 1024) {
            self.inChannels = inChannels
            self.resolution = resolution
            self.convs = convs
            self.convDim = convDim
            self.convNorm = convNorm
            self.fcs = fcs
            self.fcDim = fcDim
        }
    }

    public let spec: Spec
    public var path: String { "roi_heads.box_head" }

    public var convolutions: [ConvolutionLayer] {
        (0..<spec.convs).map { i in
            HeadLayers.tower("\(path).conv\(i + 1)", in: i == 0 ? spec.inChannels : spec.convDim, out: spec.convDim,
                             norm: spec.convNorm)
        }
    }

    /// Width of the flattened RoI feature entering `fc1`.
    public var flattenedFeatures: Int {
        (spec.convs > 0 ? spec.convDim : spec.inChannels) * spec.resolution * spec.resolution
    }

    /// Width of the head's output (what the predictor reads).
    public var outFeatures: Int { spec.fcs > 0 ? spec.fcDim : flattenedFeatures }

    public var parameters: [ParameterSpec] {
        convolutions.flatMap(\.parameters) + (0..<spec.fcs).flatMap { i in
            HeadLayers.linear("\(path).fc\(i + 1)", in: i == 0 ? flattenedFeatures : spec.fcDim, out: spec.fcDim)
        }
    }
}
