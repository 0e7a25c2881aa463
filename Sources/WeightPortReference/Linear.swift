import COpenBLAS
import WeightPortCore

/// Global average pool then a fully connected layer: the ImageNet classifier head.
public struct Linear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    /// `[out, in]` row-major.
    public let weight: [Float]
    public let bias: [Float]

    /// `weight` is `[out, in]` row-major, as PyTorch stores `nn.Linear`.
    public init(inFeatures: Int, outFeatures: Int, weight: [Float], bias: [Float]) {
        precondition(weight.count == inFeatures * outFeatures && bias.count == outFeatures, "linear shape mismatch")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
    }

    /// `[N, in] → [N, out]` as a `[N, out, 1, 1]` map.
    public func apply(_ x: [Float], batch: Int, pool: BufferPool) -> FeatureMap {
        precondition(x.count == batch * inFeatures, "linear expects \(inFeatures) features per image")
        return x.withUnsafeBufferPointer { xs in
            guard let base = xs.baseAddress else { return apply(nil, batch: batch, pool: pool, relu: false) }
            return apply(base, batch: batch, pool: pool, relu: false)
        }
    }

    /// `relu?(x · weightᵀ + bias)` on a map read as `[N, C·H·W]` in place (flattened in (C, H, W)
    /// order, as every framework does), without copying it: a box head's pooled 1000×12544 are 50 MB.
    public func apply(_ x: FeatureMap, pool: BufferPool, relu: Bool = false) -> FeatureMap {
        precondition(x.count == x.batch * inFeatures, "linear expects \(inFeatures) features per image, got \(x.shape)")
        return apply(UnsafePointer(x.pointer), batch: x.batch, pool: pool, relu: relu)
    }

    private func apply(_ x: UnsafePointer<Float>?, batch: Int, pool: BufferPool, relu: Bool) -> FeatureMap {
        GemmTrace.layer("linear", m: batch, n: outFeatures, k: inFeatures) {
            let output = FeatureMap(batch: batch, channels: outFeatures, height: 1, width: 1, pool: pool)
            if let x { compute(x, batch: batch, into: output, relu: relu) }
            return output
        }
    }

    private func compute(_ x: UnsafePointer<Float>, batch: Int, into output: FeatureMap, relu: Bool) {
        for image in 0..<batch {
            (output.pointer + image * outFeatures).update(from: bias, count: outFeatures)
        }
        // y[N, out] = x[N, in] · weightᵀ + bias. OpenBLAS runs single-threaded here (see `Gemm`), so
        // the work is split over the cores: by rows (images) when there are enough, as a box head's
        // fc6 has 1000 of 12544; otherwise by output features, so a classifier at batch 1 (a
        // matrix-vector product, 2048 × 1000) streams half the weights on each core. Each part
        // applies its own ReLU while its outputs are still in cache.
        let rowParts = min(ChannelLoop.workers, max(1, batch / Gemm.minimumRowsPerPart))
        let byOutputs = rowParts == 1 && outFeatures >= 2 * Gemm.minimumColumnsPerPart
        let parts = byOutputs ? ChannelLoop.workers : rowParts
        weight.withUnsafeBufferPointer { ws in
            guard let wBase = ws.baseAddress else { return }
            let inputs = GemmOperands(a: x, b: wBase, c: output.pointer)
            let (inCount, outCount) = (inFeatures, outFeatures)
            Parallel.forEach(parts) { part in
                if byOutputs {
                    let first = outCount * part / parts, last = outCount * (part + 1) / parts
                    Self.multiplyOutputs(inputs, batch: batch, inCount: inCount, outCount: outCount,
                                         outputs: first..<last, relu: relu)
                    return
                }
                let first = batch * part / parts, last = batch * (part + 1) / parts
                guard last > first else { return }
                let rows = inputs.c + first * outCount
                wp_sgemm(1, Int32(last - first), Int32(outCount), Int32(inCount), 1, inputs.a + first * inCount,
                         Int32(inCount), inputs.b, Int32(inCount), 1, rows, Int32(outCount))
                if relu { for i in 0..<((last - first) * outCount) { rows[i] = max(rows[i], 0) } }
            }
        }
    }

    /// Output features `outputs` of every image (c already holds the bias): a matrix-vector product
    /// at batch 1 (OpenBLAS 0.3.21's sgemm packs the whole matrix for a 1-row product: 2 GFLOP/s
    /// on the classifier), else one product with those rows of the weights.
    private static func multiplyOutputs(_ operands: GemmOperands, batch: Int, inCount: Int, outCount: Int,
                                        outputs: Range<Int>, relu: Bool) {
        guard !outputs.isEmpty else { return }
        let weights = operands.b + outputs.lowerBound * inCount, c = operands.c + outputs.lowerBound
        if batch == 1 {
            wp_sgemv(Int32(outputs.count), Int32(inCount), weights, Int32(inCount), operands.a, 1, c)
        } else {
            wp_sgemm(1, Int32(batch), Int32(outputs.count), Int32(inCount), 1, operands.a, Int32(inCount), weights,
                     Int32(inCount), 1, c, Int32(outCount))
        }
        guard relu else { return }
        for image in 0..<batch {
            let row = c + image * outCount
            for i in 0..<outputs.count { row[i] = max(row[i], 0) }
        }
    }

    /// Per-image channel means: `[N, C]` (PyTorch's adaptive average pool to 1×1).
    public static func globalAveragePool(_ x: FeatureMap) -> [Float] {
        var result = [Float](repeating: 0, count: x.batch * x.channels)
        let plane = x.planeSize
        for index in 0..<(x.batch * x.channels) {
            var sum: Double = 0
            let values = x.pointer + index * plane
            for i in 0..<plane { sum += Double(values[i]) }
            result[index] = Float(sum / Double(plane))
        }
        return result
    }
}
