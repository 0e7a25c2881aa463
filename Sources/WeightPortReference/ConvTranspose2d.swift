import COpenBLAS

/// 2-D transposed convolution (NCHW, groups 1, dilation 1, no output padding) by `cblas_sgemm`
/// + col2im, as PyTorch's `nn.ConvTranspose2d` and Caffe2's `ConvTranspose` compute it.
///
/// The heads use it three times (shared/HEADS.md §3–4):
/// - the mask head's `conv5_mask` (torchvision `mask_predictor.conv5_mask`, detectron2 `deconv`,
///   mmdet `upsample`): kernel 2, stride 2, padding 0, then ReLU;
/// - the keypoint head's `kps_score_lowres` (detectron2 `score_lowres`): kernel 4, stride 2, padding 1;
/// - Detectron's keypoint upsampler `kps_score` — a *fixed* bilinear ConvTranspose (kernel 4,
///   stride 2, padding 1) whose weights the pickle carries; `detectronBilinearUpsampler` builds
///   the same filter. The other frameworks upsample with `BilinearUpsample` instead, which
///   differs on the outermost rows and columns.
///
/// Weights are `[in, out, k, k]`, the layout both PyTorch and Caffe2 store. Each image is one
/// product `columns[out·k·k, H·W] = Wᵀ · x[in, H·W]`, then every column is scattered into the
/// output at `(iy·stride − padding + ky, ix·stride − padding + kx)` (col2im), which accumulates
/// overlapping taps as the direct definition does.
public struct ConvTranspose2d: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    /// `[in, out, k, k]` row-major, as stored.
    public let weights: [Float]
    /// Per output channel; nil for none.
    public let bias: [Float]?
    /// `weights` as `[out·k·k, in]`: the left operand of the product (the BLAS shim transposes
    /// only its right operand, so the transpose is done once here).
    private let columnWeights: [Float]

    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, weights: [Float],
                bias: [Float]? = nil) throws(HeadOpError) {
        guard inChannels > 0, outChannels > 0, kernel > 0, stride > 0, padding >= 0 else {
            throw .invalidSetting("ConvTranspose2d needs positive channels, kernel and stride and padding ≥ 0 (got in \(inChannels), out \(outChannels), k \(kernel), stride \(stride), padding \(padding))")
        }
        let taps = kernel * kernel
        guard weights.count == inChannels * outChannels * taps else {
            throw .shapeMismatch("ConvTranspose2d weight has \(weights.count) values, [\(inChannels), \(outChannels), \(kernel), \(kernel)] needs \(inChannels * outChannels * taps)")
        }
        if let bias, bias.count != outChannels {
            throw .shapeMismatch("ConvTranspose2d bias has \(bias.count) values, \(outChannels) output channels need as many")
        }
        // Loaded (once, single-threaded) here so that `apply` cannot meet a missing library:
        // `Gemm` calls straight into it.
        guard wp_blas_load() == 0 else { throw .blas(String(cString: wp_blas_error())) }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.weights = weights
        self.bias = bias
        let rows = outChannels * taps
        var transposed = [Float](repeating: 0, count: rows * inChannels)
        for i in 0..<inChannels {
            for r in 0..<rows { transposed[r * inChannels + i] = weights[i * rows + r] }
        }
        columnWeights = transposed
    }

    /// Detectron's fixed keypoint upsampler (`DetectionModelHelper.BilinearInterpolation`,
    /// detectron/modeling/detector.py): kernel `2·upScale`, stride `upScale`, padding `upScale/2`,
    /// the FCN bilinear filter `(1 − |i − c|/f)(1 − |j − c|/f)` on the channel diagonal only, zero
    /// bias. This is what its pickle's `kps_score_w` / `kps_score_b` hold.
    public static func detectronBilinearUpsampler(channels: Int, upScale: Int = 2) throws(HeadOpError) -> ConvTranspose2d {
        guard upScale > 0, upScale % 2 == 0 else {
            throw .invalidSetting("Detectron's bilinear upsampler asserts an even scale, got \(upScale)")
        }
        let size = 2 * upScale
        let factor = (size + 1) / 2
        // Even size: centre between the two middle taps (`factor - 0.5`).
        let centre = Double(factor) - 0.5
        let filter1D = (0..<size).map { 1 - abs(Double($0) - centre) / Double(factor) }
        var weights = [Float](repeating: 0, count: channels * channels * size * size)
        for c in 0..<channels {
            for i in 0..<size {
                for j in 0..<size { weights[((c * channels + c) * size + i) * size + j] = Float(filter1D[i] * filter1D[j]) }
            }
        }
        return try ConvTranspose2d(inChannels: channels, outChannels: channels, kernel: size, stride: upScale,
                                   padding: upScale / 2, weights: weights, bias: [Float](repeating: 0, count: channels))
    }

    /// Output size along one axis: `(size − 1)·stride − 2·padding + kernel`.
    public func outputSize(_ size: Int) -> Int { (size - 1) * stride - 2 * padding + kernel }

    /// `relu?(convTranspose(x) + bias)` into a new map.
    public func apply(_ x: FeatureMap, pool: BufferPool, relu: Bool = false) throws(HeadOpError) -> FeatureMap {
        guard x.channels == inChannels else {
            throw .shapeMismatch("ConvTranspose2d expects \(inChannels) channels, got \(x.shape)")
        }
        let outH = outputSize(x.height), outW = outputSize(x.width)
        guard x.height > 0, x.width > 0, outH > 0, outW > 0 else {
            throw .shapeMismatch("ConvTranspose2d on \(x.shape) gives an empty \(outH)×\(outW) output")
        }
        let output = FeatureMap(batch: x.batch, channels: outChannels, height: outH, width: outW, pool: pool)
        output.pointer.update(repeating: 0, count: output.count)
        let rows = outChannels * kernel * kernel, n = x.planeSize
        let columns = pool.take(rows * n)
        for image in 0..<x.batch {
            columnWeights.withUnsafeBufferPointer { w in
                guard let a = w.baseAddress else { return }
                Gemm.multiply(m: rows, n: n, k: inChannels, a: a, lda: inChannels,
                              b: x.pointer + image * inChannels * n, ldb: n, beta: 0, c: columns.pointer, ldc: n)
            }
            scatter(columns.pointer, height: x.height, width: x.width,
                    into: output.pointer + image * outChannels * outH * outW, outHeight: outH, outWidth: outW)
        }
        Epilogue.finish(output, bias: bias, relu: relu)
        return output
    }

    /// col2im: adds every tap's column into its output positions; each output channel is one
    /// worker's, so the accumulation needs no synchronisation.
    private func scatter(_ columns: UnsafeMutablePointer<Float>, height: Int, width: Int,
                         into output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int) {
        let shared = SharedPointers(source: columns, matrix: output)
        let (k, s, p, n) = (kernel, stride, padding, height * width)
        ChannelLoop.run(outChannels, minimumWork: k * k * n) { channel in
            let plane = shared.matrix + channel * outHeight * outWidth
            for ky in 0..<k {
                for kx in 0..<k {
                    let column = shared.source + ((channel * k + ky) * k + kx) * n
                    // Input columns whose output column lies inside: ix·s − p + kx in [0, outWidth).
                    let firstX = max(0, (p - kx + s - 1) / s)
                    let last = outWidth - 1 + p - kx
                    let endX = last < 0 ? 0 : min(width, last / s + 1)
                    guard firstX < endX else { continue }
                    for iy in 0..<height {
                        let oy = iy * s - p + ky
                        guard oy >= 0, oy < outHeight else { continue }
                        let base = oy * outWidth - p + kx, source = column + iy * width
                        for ix in firstX..<endX { plane[base + ix * s] += source[ix] }
                    }
                }
            }
        }
    }
}
