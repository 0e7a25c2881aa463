import WeightPortModels

/// GhostNet's bottleneck (timm `GhostBottleneck`, huawei-noah `GhostBottleneck`; `HEADS.md` §7.2):
/// `ghost2(se?(bn_dw(conv_dw(ghost1(x)))?)) + shortcut(x)`, with no activation after the sum.
/// `ghost1` has ReLU, `ghost2` none; `conv_dw` (depthwise k×k with the block's stride, BN, no
/// activation) exists only for stride > 1; the shortcut is the identity when in == out and
/// stride 1, otherwise depthwise k×k (stride) + BN, then pointwise 1×1 + BN.
public struct GhostBottleneck: Sendable {
    public let ghost1: GhostModule
    /// `conv_dw` with `bn_dw` folded; nil for stride 1.
    public let depthwise: DepthwiseConvolution?
    public let squeezeExcite: SqueezeExcite?
    public let ghost2: GhostModule
    /// `shortcut.0` with `shortcut.1` folded, and `shortcut.2` with `shortcut.3` folded; nil for identity.
    public let shortcut: (depthwise: DepthwiseConvolution, pointwise: Convolution)?

    /// Checks that the pieces chain (widths, and an identity shortcut only where shapes allow it).
    public init(ghost1: GhostModule, depthwise: DepthwiseConvolution?, squeezeExcite: SqueezeExcite?, ghost2: GhostModule,
                shortcut: (depthwise: DepthwiseConvolution, pointwise: Convolution)?) throws(GhostNetError) {
        let mid = ghost1.outChannels
        guard depthwise.map({ $0.channels == mid && $0.multiplier == 1 }) ?? true,
              squeezeExcite.map({ $0.channels == mid }) ?? true, ghost2.inChannels == mid else {
            throw .parameter("ghost bottleneck", reason: "ghost1, conv_dw, se and ghost2 widths do not chain")
        }
        let stride = depthwise?.stride ?? 1
        if let shortcut {
            guard shortcut.depthwise.channels == ghost1.inChannels, shortcut.depthwise.stride == stride,
                  shortcut.pointwise.inChannels == ghost1.inChannels, shortcut.pointwise.outChannels == ghost2.outChannels else {
                throw .parameter("shortcut", reason: "its widths or stride differ from the block's")
            }
        } else if ghost1.inChannels != ghost2.outChannels || stride != 1 {
            throw .parameter("shortcut", reason: "an identity shortcut needs in == out and stride 1")
        }
        self.ghost1 = ghost1
        self.depthwise = depthwise
        self.squeezeExcite = squeezeExcite
        self.ghost2 = ghost2
        self.shortcut = shortcut
    }

    /// Builds block `path` (e.g. `blocks.3.0`) of `block` from timm/huawei-named values.
    /// - Parameter values: the float values of a parameter by its full name, nil when absent.
    public init(_ block: GhostNetSpec.Block, path: String, eps: Float = 1e-5,
                values: @escaping (String) -> [Float]?) throws(GhostNetError) {
        let weights = GhostNetWeights(values: values, eps: eps)
        let ghost1 = try weights.ghostModule(path + ".ghost1", in: block.inChannels, out: block.midChannels, relu: true)
        let ghost2 = try weights.ghostModule(path + ".ghost2", in: block.midChannels, out: block.outChannels, relu: false)
        let k = block.kernel ?? 3
        var depthwise: DepthwiseConvolution?
        if block.stride > 1 {
            depthwise = try weights.depthwise(path + ".conv_dw", norm: path + ".bn_dw", channels: block.midChannels,
                                              kernel: k, stride: block.stride)
        }
        var se: SqueezeExcite?
        if let reduced = block.seChannels {
            se = try SqueezeExcite(channels: block.midChannels, reducedChannels: reduced,
                                   reduceWeight: try weights.floats(path + ".se.conv_reduce.weight"),
                                   reduceBias: try weights.floats(path + ".se.conv_reduce.bias"),
                                   expandWeight: try weights.floats(path + ".se.conv_expand.weight"),
                                   expandBias: try weights.floats(path + ".se.conv_expand.bias"))
        }
        var shortcut: (depthwise: DepthwiseConvolution, pointwise: Convolution)?
        if block.hasShortcutConv {
            shortcut = (try weights.depthwise(path + ".shortcut.0", norm: path + ".shortcut.1", channels: block.inChannels,
                                              kernel: k, stride: block.stride),
                        try weights.convolution(path + ".shortcut.2", norm: path + ".shortcut.3", in: block.inChannels,
                                                out: block.outChannels, kernel: 1))
        }
        try self.init(ghost1: ghost1, depthwise: depthwise, squeezeExcite: se, ghost2: ghost2, shortcut: shortcut)
    }

    public func apply(_ x: FeatureMap, pool: BufferPool) -> FeatureMap {
        var residual = x
        if let shortcut {
            residual = shortcut.pointwise.apply(shortcut.depthwise.apply(x, pool: pool), pool: pool)
        }
        var y = ghost1.apply(x, pool: pool)
        if let depthwise { y = depthwise.apply(y, pool: pool) }
        if let squeezeExcite { y = squeezeExcite.apply(y, pool: pool) }
        return ghost2.apply(y, pool: pool, residual: residual)
    }
}
