import COpenBLAS

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
        let output = FeatureMap(batch: batch, channels: outFeatures, height: 1, width: 1, pool: pool)
        for image in 0..<batch {
            (output.pointer + image * outFeatures).update(from: bias, count: outFeatures)
        }
        // logits[N, out] = x[N, in] · weightᵀ + bias.
        wp_sgemm(1, Int32(batch), Int32(outFeatures), Int32(inFeatures), 1, x, Int32(inFeatures), weight,
                 Int32(inFeatures), 1, output.pointer, Int32(outFeatures))
        return output
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
