import WeightPortModels

/// GhostNet's Ghost module (timm `GhostModule`, huawei-noah `GhostModule`, ratio 2, `HEADS.md` §7.1):
/// `x1 = act(bn(conv1x1(x)))` with `init = ceil(out / 2)` channels, `x2 = act(bn(dwconv3x3(x1)))`
/// with `init` channels (`groups = init`), output `cat([x1, x2])[:, :out]`. The activation (ReLU in
/// `ghost1`, none in `ghost2`) is applied to `x1` before it feeds the cheap branch. Both norms are
/// BatchNorms folded into their convs (`FoldedNorm`).
public struct GhostModule: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let relu: Bool
    let primary: Convolution
    let cheap: DepthwiseConvolution

    /// - Parameters:
    ///   - primaryWeights: `primary_conv.0.weight`, `[ceil(out/2), in, 1, 1]`.
    ///   - primaryNorm: `primary_conv.1` folded.
    ///   - cheapWeights: `cheap_operation.0.weight`, `[ceil(out/2), 1, 3, 3]`.
    ///   - cheapNorm: `cheap_operation.1` folded.
    public init(inChannels: Int, outChannels: Int, primaryWeights: [Float], primaryNorm: FoldedNorm,
                cheapWeights: [Float], cheapNorm: FoldedNorm, relu: Bool) throws(GhostNetError) {
        let (width, cheapWidth) = GhostNetSpec.ghostWidths(outChannels)
        guard inChannels > 0, outChannels > 0, primaryWeights.count == width * inChannels,
              primaryNorm.scale.count == width else {
            throw .parameter("primary_conv", reason: "needs \(width)×\(inChannels) weights and \(width) norm channels")
        }
        var primaryFolded = primaryWeights, cheapFolded = cheapWeights
        primaryNorm.scaleRows(of: &primaryFolded)
        guard cheapWeights.count == cheapWidth * 9, cheapNorm.scale.count == cheapWidth else {
            throw .parameter("cheap_operation", reason: "needs \(cheapWidth)×9 weights and \(cheapWidth) norm channels")
        }
        cheapNorm.scaleRows(of: &cheapFolded)
        guard let cheap = DepthwiseConvolution(channels: width, kernel: 3, padding: 1, weights: cheapFolded,
                                               bias: cheapNorm.shift) else {
            throw .parameter("cheap_operation", reason: "inconsistent depthwise conv")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.relu = relu
        primary = Convolution(inChannels: inChannels, outChannels: width, kernel: 1, weights: primaryFolded,
                              bias: primaryNorm.shift)
        self.cheap = cheap
    }

    /// `cat([x1, x2])[:, :out] + residual` (the Ghost bottleneck adds its shortcut to `ghost2`'s output).
    public func apply(_ x: FeatureMap, pool: BufferPool, residual: FeatureMap? = nil) -> FeatureMap {
        let x1 = primary.apply(x, pool: pool, relu: relu)
        let x2 = cheap.apply(x1, pool: pool, relu: relu)
        let output = FeatureMap(batch: x.batch, channels: outChannels, height: x1.height, width: x1.width, pool: pool)
        let plane = output.planeSize, first = x1.channels, out = outChannels
        let pointers = ConcatPointers(first: x1.pointer, second: x2.pointer, output: output.pointer)
        ChannelLoop.run(x.batch * out, minimumWork: plane) { index in
            let image = index / out, channel = index % out
            let source = channel < first
                ? pointers.first + (image * first + channel) * plane
                : pointers.second + (image * first + channel - first) * plane
            (pointers.output + index * plane).update(from: source, count: plane)
        }
        if let residual { Epilogue.finish(output, bias: nil, adding: residual, relu: false) }
        return output
    }
}

/// The two halves and the output of a concatenation, for concurrent workers writing disjoint planes.
struct ConcatPointers: @unchecked Sendable {
    let first: UnsafeMutablePointer<Float>
    let second: UnsafeMutablePointer<Float>
    let output: UnsafeMutablePointer<Float>
}
