/// Deformable convolution, v1 (DCN) and v2 (modulated DCN, with a mask), on NCHW float32 maps.
///
/// Computes what `torchvision.ops.deform_conv2d(input, offset, weight, stride=, padding=,
/// dilation=, mask=)` computes, which is the arithmetic of maskrcnn-benchmark's `DeformConv` /
/// `ModulatedDeformConv`, detectron2's `DeformConv` / `ModulatedDeformConv` and mmcv's
/// `DeformConv2d` / `ModulatedDeformConv2d` (`HEADS.md` §6.2): bilinear sampling at the offset
/// positions (`DeformableIm2col`), each sample times the mask for v2, then the ordinary grouped
/// product with the weights (`Gemm`, one sgemm per conv group and band of output rows, as
/// `Convolution` does). No bias: every framework's deformable conv in a ResNet has `bias=False`
/// (mmcv's `DeformConv2d` asserts it), and its norm follows as an ordinary BatchNorm/affine.
///
/// The offsets and mask come from a separate ordinary conv on the same input ("offset conv", with
/// bias and the deformable conv's stride, padding and dilation); `ModulatedOffsetSplit` cuts a v2
/// offset conv's output into offsets and mask logits and applies the sigmoid.
public struct DeformableConvolution: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    /// Conv groups: the weight is `[out, in / groups, k, k]` (torchvision's `n_weight_grps`).
    public let groups: Int
    /// Offset groups: consecutive blocks of `in / deformableGroups` input channels share one set of
    /// offsets and mask (torchvision's `n_offset_grps`; maskrcnn-benchmark/detectron2 `deformable_groups`,
    /// mmcv `deform_groups`).
    public let deformableGroups: Int
    /// `[out, in / groups, k, k]` row-major.
    public let weights: [Float]
    /// Floats of column scratch per band (as `Convolution.scratchLimit`).
    public let scratchLimit: Int

    /// A deformable conv with PyTorch's parameters; `weights` is `[out, in / groups, k, k]` row-major.
    /// Loads OpenBLAS if nothing has yet (`ReferenceBLAS`).
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, deformableGroups: Int = 1, weights: [Float],
                scratchLimit: Int = 1 << 22) throws(DeformableConvolutionError) {
        guard inChannels > 0, outChannels > 0, kernel > 0, stride > 0, padding >= 0, dilation > 0 else {
            throw .parameters("channels, kernel, stride and dilation must be positive and padding not negative")
        }
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw .parameters("\(inChannels) input and \(outChannels) output channels do not divide into \(groups) groups")
        }
        guard deformableGroups > 0, inChannels % deformableGroups == 0 else {
            throw .parameters("\(inChannels) input channels do not divide into \(deformableGroups) deformable groups")
        }
        let expected = outChannels * (inChannels / groups) * kernel * kernel
        guard weights.count == expected else {
            throw .parameters("weight has \(weights.count) values, [\(outChannels), \(inChannels / groups), \(kernel), \(kernel)] needs \(expected)")
        }
        do { try ReferenceBLAS.load() } catch { throw .blas(error.what) }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.deformableGroups = deformableGroups
        self.weights = weights
        self.scratchLimit = max(scratchLimit, 1)
    }

    /// Output size along one axis (PyTorch's floor rule, as for an ordinary conv).
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1 }

    /// Channels of the offset map: `2·deformableGroups·k·k`.
    public var offsetChannels: Int { 2 * deformableGroups * kernel * kernel }
    /// Channels of the mask map: `deformableGroups·k·k`.
    public var maskChannels: Int { deformableGroups * kernel * kernel }

    /// `relu?(deform_conv(x, offset, mask) + residual)`.
    ///
    /// - Parameters:
    ///   - offset: `[N, 2·deformableGroups·k·k, outH, outW]`, displacements in input pixels.
    ///   - mask: v2 only: `[N, deformableGroups·k·k, outH, outW]`, already through the sigmoid
    ///     (torchvision's `mask=`); nil for v1.
    public func apply(_ x: FeatureMap, offset: FeatureMap, mask: FeatureMap? = nil, pool: BufferPool,
                      residual: FeatureMap? = nil, relu: Bool = false) throws(DeformableConvolutionError) -> FeatureMap {
        guard x.channels == inChannels else { throw .input(expected: inChannels, found: x.shape) }
        let outH = outputSize(x.height), outW = outputSize(x.width)
        guard outH > 0, outW > 0 else { throw .input(expected: inChannels, found: x.shape) }
        let offsetShape = [x.batch, offsetChannels, outH, outW]
        guard offset.shape == offsetShape else { throw .offset(expected: offsetShape, found: offset.shape) }
        if let mask {
            let maskShape = [x.batch, maskChannels, outH, outW]
            guard mask.shape == maskShape else { throw .mask(expected: maskShape, found: mask.shape) }
        }
        if let residual, residual.shape != [x.batch, outChannels, outH, outW] {
            throw .parameters("residual shape \(residual.shape) differs from the output's \([x.batch, outChannels, outH, outW])")
        }
        let output = FeatureMap(batch: x.batch, channels: outChannels, height: outH, width: outW, pool: pool)
        GemmTrace.layer("deformable \(kernel)x\(kernel)/\(stride)", m: outChannels / groups, n: x.batch * outH * outW,
                        k: inChannels / groups * kernel * kernel, groups: groups) {
            for image in 0..<x.batch { multiply(x, offset: offset, mask: mask, image: image, into: output, pool: pool) }
            Epilogue.finish(output, bias: nil, adding: residual, relu: relu)
        }
        return output
    }

    private func multiply(_ x: FeatureMap, offset: FeatureMap, mask: FeatureMap?, image: Int, into output: FeatureMap,
                          pool: BufferPool) {
        let taps = kernel * kernel
        let m = outChannels / groups, k = inChannels / groups * taps
        let outW = output.width, outPlane = output.planeSize
        let rowsPerBand = max(1, min(output.height, scratchLimit / max(inChannels * taps * outW, 1)))
        let scratch = pool.take(inChannels * taps * rowsPerBand * outW)
        let lowering = DeformableIm2col(kernel: kernel, stride: stride, padding: padding, dilation: dilation,
                                        deformableGroups: deformableGroups)
        let planes = DeformableIm2col.Planes(
            input: x.pointer + image * inChannels * x.planeSize,
            offset: offset.pointer + image * offsetChannels * outPlane,
            mask: mask.map { UnsafePointer($0.pointer + image * maskChannels * outPlane) },
            matrix: scratch.pointer)
        var firstRow = 0
        while firstRow < output.height {
            let rows = min(rowsPerBand, output.height - firstRow)
            // All channels are lowered at once (the offsets are shared across conv groups), then each
            // conv group multiplies its own block of rows of the matrix.
            lowering.lower(planes, channels: inChannels, height: x.height, width: x.width, outHeight: output.height,
                           outWidth: outW, rows: firstRow..<(firstRow + rows))
            let n = rows * outW
            for group in 0..<groups {
                weights.withUnsafeBufferPointer { w in
                    guard let base = w.baseAddress else { return }
                    Gemm.multiply(m: m, n: n, k: k, a: base + group * m * k, lda: k, b: scratch.pointer + group * k * n,
                                  ldb: n, beta: 0,
                                  c: output.pointer + (image * outChannels + group * m) * outPlane + firstRow * outW,
                                  ldc: outPlane)
                }
            }
            firstRow += rows
        }
    }
}
