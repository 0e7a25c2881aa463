/// A ResNet bottleneck's deformable `conv2` as every framework runs it: an ordinary offset conv
/// (with bias, the deformable conv's stride, padding and dilation, on the same input), for DCNv2
/// its output split into offsets and sigmoid mask by the source framework's rule, the deformable
/// conv (no bias), then the conv's norm and optionally the residual and ReLU.
///
/// Names per framework (`HEADS.md` §6.1): maskrcnn-benchmark `conv2.offset.{weight,bias}` +
/// `conv2.conv.weight`; detectron2 `conv2_offset.{weight,bias}` + `conv2.weight` + `conv2.norm.*`;
/// mmdet `conv2.conv_offset.{weight,bias}` + `conv2.weight`. A BatchNorm or affine norm folds into
/// the deformable weights' rows and a per-channel shift, as `NormalizedConvolution` does for
/// ordinary convs (GroupNorm depends on the activations and would run after `apply`).
public struct DeformableLayer: Sendable {
    public let offsetConv: Convolution
    public let deformable: DeformableConvolution
    /// How a DCNv2 offset conv's output is cut; nil for DCNv1 (the whole output is the offsets).
    public let split: ModulatedOffsetSplit?
    /// The folded norm's shift per output channel; nil without a norm.
    public let shift: [Float]?

    /// - Parameters:
    ///   - offsetWeights: `[(3 if split else 2)·deformableGroups·k·k, in, k, k]`; `offsetBias` one per row.
    ///   - weights: the deformable conv's `[out, in / groups, k, k]`.
    ///   - norm: the conv's BatchNorm/affine, folded (nil for none).
    public init(inChannels: Int, outChannels: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 1, dilation: Int = 1,
                groups: Int = 1, deformableGroups: Int = 1, split: ModulatedOffsetSplit?, offsetWeights: [Float],
                offsetBias: [Float], weights: [Float], norm: FoldedNorm? = nil) throws(DeformableConvolutionError) {
        var folded = weights
        if let norm {
            guard norm.scale.count == outChannels else {
                throw .parameters("norm has \(norm.scale.count) channels, the conv \(outChannels)")
            }
            norm.scaleRows(of: &folded)
        }
        deformable = try DeformableConvolution(inChannels: inChannels, outChannels: outChannels, kernel: kernel,
                                               stride: stride, padding: padding, dilation: dilation, groups: groups,
                                               deformableGroups: deformableGroups, weights: folded)
        let offsetChannels = (split == nil ? 2 : 3) * deformableGroups * kernel * kernel
        guard offsetWeights.count == offsetChannels * inChannels * kernel * kernel, offsetBias.count == offsetChannels else {
            throw .parameters("the offset conv must be [\(offsetChannels), \(inChannels), \(kernel), \(kernel)] with \(offsetChannels) biases")
        }
        if let split {   // refuses a rule that cannot serve these groups before any forward pass
            _ = try split.channels(of: offsetChannels, deformableGroups: deformableGroups, kernel: kernel)
        }
        offsetConv = Convolution(inChannels: inChannels, outChannels: offsetChannels, kernel: kernel, stride: stride,
                                 padding: padding, dilation: dilation, weights: offsetWeights, bias: offsetBias)
        self.split = split
        shift = norm?.shift
    }

    /// `relu?(norm(deform_conv(x, offsets(x), mask(x))) + residual)`.
    public func apply(_ x: FeatureMap, pool: BufferPool, residual: FeatureMap? = nil,
                      relu: Bool = false) throws(DeformableConvolutionError) -> FeatureMap {
        guard x.channels == deformable.inChannels, deformable.outputSize(x.height) > 0, deformable.outputSize(x.width) > 0 else {
            throw .input(expected: deformable.inChannels, found: x.shape)
        }
        let raw = offsetConv.apply(x, pool: pool)
        let output: FeatureMap
        if let split {
            let (offset, mask) = try split.split(raw, deformableGroups: deformable.deformableGroups,
                                                 kernel: deformable.kernel, pool: pool)
            output = try deformable.apply(x, offset: offset, mask: mask, pool: pool)
        } else {
            output = try deformable.apply(x, offset: raw, pool: pool)
        }
        if let residual, residual.shape != output.shape {
            throw .parameters("residual shape \(residual.shape) differs from the output's \(output.shape)")
        }
        Epilogue.finish(output, bias: shift, adding: residual, relu: relu)
        return output
    }
}
