import WeightPortCore

/// 2-D convolution (NCHW) by im2col + `cblas_sgemm`, with bias, residual add and ReLU fused into
/// the output pass.
///
/// A 1×1 stride-1 unpadded conv multiplies the input directly. Otherwise the im2col matrix is
/// built in bands of output rows, so its scratch stays bounded (about 16 MB) however large the
/// image, and each band's product is written straight into its columns of the output (`ldc`).
/// A 3×3 stride-1 conv on enough 2×2 tiles goes through `Winograd3x3` instead (2.25× fewer
/// multiply-adds; `allowWinograd: false` keeps it on im2col).
public struct Convolution: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    public let groups: Int
    /// `[out, in / groups, k, k]` row-major.
    public let weights: [Float]
    /// Per output channel; nil for none.
    public let bias: [Float]?

    /// Floats of im2col scratch per band (default 4 Mi = 16 MB, which bounds memory on 800×800
    /// inputs while keeping each sgemm wide enough to run at full speed).
    public let scratchLimit: Int

    /// The Winograd form of a 3×3 stride-1 conv (see `Winograd3x3`); nil for other convs.
    let winograd: Winograd3x3?

    /// Tiles (2×2 outputs, over the whole batch) below which Winograd's 16 narrow products plus its
    /// per-call weight transform cost more than one im2col product. Measured on ResNet-50 at 224×224
    /// (res4 has 49 tiles, res5 16): with the weights transformed once at load, the traced 3×3 time
    /// was 38.5 ms all im2col, 34.2 ms from 64 tiles, 26.8 ms from 16; transformed per call (the
    /// transform streams 16/9 of the weights), whole passes under SCHED_FIFO, 4 alternating rounds
    /// of 30: medians 53–57 ms from 16, 49–54 ms from 32, 51–53 ms from 64.
    static let minimumWinogradTiles = 32

    /// A conv with PyTorch's parameters; `weights` is `[out, in / groups, k, k]` row-major.
    /// `allowWinograd: false` computes a 3×3 stride-1 conv by im2col too (for comparisons).
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, weights: [Float], bias: [Float]? = nil, scratchLimit: Int = 1 << 22,
                allowWinograd: Bool = true) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "channels must divide into groups")
        precondition(weights.count == outChannels * inChannels / groups * kernel * kernel, "weight count mismatch")
        precondition(bias.map { $0.count == outChannels } ?? true, "bias count mismatch")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.weights = weights
        self.bias = bias
        self.scratchLimit = scratchLimit
        let winogradShape = kernel == 3 && stride == 1 && dilation == 1 && groups == 1 && inChannels >= 16
        winograd = allowWinograd && winogradShape
            ? Winograd3x3(inChannels: inChannels, outChannels: outChannels, padding: padding, weights: weights) : nil
    }

    /// Output size along one axis (PyTorch's floor rule).
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1 }

    var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// `relu?(conv(x) + bias + residual)`.
    ///
    /// - Parameter residual: added before the ReLU. With `reuseResidual` its buffer becomes the
    ///   output (the caller promises nobody reads it afterwards); otherwise it is copied first.
    public func apply(_ x: FeatureMap, pool: BufferPool, residual: FeatureMap? = nil, reuseResidual: Bool = false,
                      relu: Bool = false) -> FeatureMap {
        precondition(x.channels == inChannels, "conv expects \(inChannels) channels, got \(x.channels)")
        let outH = outputSize(x.height), outW = outputSize(x.width)
        let grid = Winograd3x3.tiles(outH, outW)
        let useWinograd = winograd != nil && x.batch * grid.rows * grid.columns >= Self.minimumWinogradTiles
        let kind = "conv \(kernel)x\(kernel)/\(stride)" + (groups > 1 ? " g\(groups)" : "") + (useWinograd ? " winograd" : "")
        return GemmTrace.layer(kind, m: outChannels / groups, n: x.batch * outH * outW,
                               k: inChannels / groups * kernel * kernel, groups: groups) {
            compute(x, pool: pool, residual: residual, reuseResidual: reuseResidual, relu: relu,
                    outH: outH, outW: outW, useWinograd: useWinograd)
        }
    }

    private func compute(_ x: FeatureMap, pool: BufferPool, residual: FeatureMap?, reuseResidual: Bool, relu: Bool,
                         outH: Int, outW: Int, useWinograd: Bool) -> FeatureMap {
        if let residual { precondition(residual.shape == [x.batch, outChannels, outH, outW], "residual shape mismatch") }
        // A handed-over residual is accumulated into by sgemm (beta 1); any other is added in the
        // epilogue pass that already visits every output, so it costs no copy.
        let accumulate = residual != nil && reuseResidual
        let output: FeatureMap
        if let residual, reuseResidual {
            output = residual
        } else {
            output = FeatureMap(batch: x.batch, channels: outChannels, height: outH, width: outW, pool: pool)
        }
        if useWinograd, let winograd {
            winograd.apply(x, into: output, bias: bias, addend: accumulate ? nil : residual, accumulate: accumulate,
                           relu: relu, pool: pool, scratchLimit: scratchLimit)
            return output
        }
        let beta: Float = accumulate ? 1 : 0
        // Bias, residual and ReLU are applied by each product's parts to the block they just wrote
        // (`BlockEpilogue`), not in a second pass over the whole output.
        let addend = accumulate ? nil : residual.map { UnsafePointer($0.pointer) }
        (bias ?? []).withUnsafeBufferPointer { shift in
            let epilogue = BlockEpilogue(bias: bias == nil ? nil : shift.baseAddress, addend: addend, relu: relu)
            multiplyAll(x, into: output, beta: beta, epilogue: epilogue, pool: pool)
        }
        return output
    }

    private func multiplyAll(_ x: FeatureMap, into output: FeatureMap, beta: Float, epilogue: BlockEpilogue,
                             pool: BufferPool) {
        let (outH, outW) = (output.height, output.width)
        let workers = min(ChannelLoop.workers, x.batch)
        if workers > 1, outH * outW < Gemm.minimumColumnsPerPart * 2 {
            // Many small maps (RoIs in a head): one image per core at a time, each product whole on
            // one core. Splitting a ~200-column product across cores costs more than it gains.
            let scratches = isPointwise ? [] : (0..<workers).map { _ in pool.take(bandScratch(outH, outW)) }
            Parallel.forEach(workers) { worker in
                for image in Swift.stride(from: worker, to: x.batch, by: workers) {
                    if isPointwise {
                        multiplyPointwise(x, image: image, into: output, beta: beta, epilogue: epilogue, serial: true)
                    } else {
                        multiplyBanded(x, image: image, into: output, beta: beta, epilogue: epilogue,
                                       scratch: scratches[worker], serial: true)
                    }
                }
            }
        } else if !isPointwise, let rows = coreBandRows(outH, outW) {
            // One image's bands alternate between the cores, each lowered and multiplied whole by
            // one core in a scratch its L2 holds, and finished while still there (the 7×7 stem).
            let scratches = (0..<ChannelLoop.workers).map { _ in pool.take(bandScratch(rows, outW)) }
            for image in 0..<x.batch {
                Parallel.forEach(ChannelLoop.workers) { worker in
                    for first in Swift.stride(from: worker * rows, to: outH, by: ChannelLoop.workers * rows) {
                        multiplyBand(x, image: image, group: 0, rows: first..<min(outH, first + rows), into: output,
                                     beta: beta, epilogue: epilogue, scratch: scratches[worker], serial: true)
                    }
                }
            }
        } else {
            let scratch = isPointwise ? nil : pool.take(bandScratch(outH, outW))
            for image in 0..<x.batch {
                if let scratch {
                    multiplyBanded(x, image: image, into: output, beta: beta, epilogue: epilogue, scratch: scratch,
                                   serial: false)
                } else {
                    multiplyPointwise(x, image: image, into: output, beta: beta, epilogue: epilogue, serial: false)
                }
            }
        }
    }

    /// Floats of each core's scratch in the per-core band path (512 KB: half an L2 on this machine).
    static let coreBandFloats = 1 << 17
    /// Fewest columns for a per-core band: narrower products run below sgemm's speed.
    static let minimumCoreBandColumns = 512

    /// Output rows per band when whole bands can alternate between the cores (the product's k
    /// small enough that ≥ 512 columns fit in `coreBandFloats`, and every core gets ≥ 2 bands);
    /// nil for the other convs, whose bands are each split over the cores. At ResNet's sizes only
    /// the 7×7 stem (k = 147) qualifies.
    private func coreBandRows(_ outH: Int, _ outW: Int) -> Int? {
        let k = inChannels / groups * kernel * kernel
        let rows = Self.coreBandFloats / max(k * outW, 1)
        guard groups == 1, ChannelLoop.workers > 1, rows * outW >= Self.minimumCoreBandColumns,
              outH >= 2 * ChannelLoop.workers * rows else { return nil }
        return rows
    }

    /// Output rows lowered per band, and the scratch floats a band takes.
    private func bandRows(_ outH: Int, _ outW: Int) -> Int {
        max(1, min(outH, scratchLimit / max(inChannels / groups * kernel * kernel * outW, 1)))
    }

    private func bandScratch(_ outH: Int, _ outW: Int) -> Int {
        inChannels / groups * kernel * kernel * bandRows(outH, outW) * outW
    }

    private func multiplyPointwise(_ x: FeatureMap, image: Int, into output: FeatureMap, beta: Float,
                                   epilogue: BlockEpilogue, serial: Bool) {
        let m = outChannels / groups, k = inChannels / groups, n = x.planeSize
        for group in 0..<groups {
            let offset = (image * outChannels + group * m) * n
            weights.withUnsafeBufferPointer { w in
                guard let base = w.baseAddress else { return }
                Gemm.multiply(m: m, n: n, k: k, a: base + group * m * k, lda: k,
                              b: x.pointer + (image * inChannels + group * k) * n, ldb: n, beta: beta,
                              c: output.pointer + offset, ldc: n, serial: serial,
                              epilogue: epilogue.shifted(channel: group * m, offset: offset))
            }
        }
    }

    private func multiplyBanded(_ x: FeatureMap, image: Int, into output: FeatureMap, beta: Float,
                                epilogue: BlockEpilogue, scratch: FloatBuffer, serial: Bool) {
        let rowsPerBand = bandRows(output.height, output.width)
        for group in 0..<groups {
            var firstRow = 0
            while firstRow < output.height {
                let rows = firstRow..<min(output.height, firstRow + rowsPerBand)
                multiplyBand(x, image: image, group: group, rows: rows, into: output, beta: beta, epilogue: epilogue,
                             scratch: scratch, serial: serial)
                firstRow = rows.upperBound
            }
        }
    }

    /// Lowers output rows `rows` of one image's group into `scratch` and multiplies them into their
    /// columns of the output (`ldc`), finishing them with `epilogue`. `serial`: the caller already
    /// keeps every core busy, so lower and multiply on this thread only.
    private func multiplyBand(_ x: FeatureMap, image: Int, group: Int, rows: Range<Int>, into output: FeatureMap,
                              beta: Float, epilogue: BlockEpilogue, scratch: FloatBuffer, serial: Bool) {
        let m = outChannels / groups, groupInputs = inChannels / groups
        let k = groupInputs * kernel * kernel
        let outW = output.width, outPlane = output.planeSize
        let lowering = Im2col(kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        let source = x.pointer + (image * inChannels + group * groupInputs) * x.planeSize
        lowering.lower(source, channels: groupInputs, height: x.height, width: x.width, rows: rows, outWidth: outW,
                       into: scratch.pointer, serial: serial)
        let n = rows.count * outW, offset = (image * outChannels + group * m) * outPlane + rows.lowerBound * outW
        weights.withUnsafeBufferPointer { w in
            guard let base = w.baseAddress else { return }
            Gemm.multiply(m: m, n: n, k: k, a: base + group * m * k, lda: k, b: scratch.pointer, ldb: n,
                          beta: beta, c: output.pointer + offset, ldc: outPlane, serial: serial,
                          epilogue: epilogue.shifted(channel: group * m, offset: offset))
        }
    }
}
