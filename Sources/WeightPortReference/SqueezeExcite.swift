/// GhostNet's squeeze-excite (timm `SqueezeExcite` with `gate_layer='hard_sigmoid'`, huawei-noah
/// `SqueezeExcite`; `HEADS.md` §7.3): `x · hard_sigmoid(expand(relu(reduce(mean_hw(x)))))`, where
/// `reduce` and `expand` are 1×1 convs with bias on the pooled vector and
/// `hard_sigmoid(v) = relu6(v + 3) / 6` (PyTorch's `Hardsigmoid`, huawei's `hard_sigmoid`).
/// The reduced width is `make_divisible(mid · 0.25, 4)` of the block's mid width.
public struct SqueezeExcite: Sendable {
    public let channels: Int
    public let reducedChannels: Int
    /// `[reduced, channels]` (`conv_reduce.weight` without its 1×1).
    let reduceWeight: [Float]
    let reduceBias: [Float]
    /// `[channels, reduced]` (`conv_expand.weight` without its 1×1).
    let expandWeight: [Float]
    let expandBias: [Float]

    public init(channels: Int, reducedChannels: Int, reduceWeight: [Float], reduceBias: [Float], expandWeight: [Float],
                expandBias: [Float]) throws(GhostNetError) {
        guard channels > 0, reducedChannels > 0, reduceWeight.count == channels * reducedChannels,
              reduceBias.count == reducedChannels, expandWeight.count == channels * reducedChannels,
              expandBias.count == channels else {
            throw .parameter("se", reason: "conv_reduce must be [\(reducedChannels), \(channels)] + bias, conv_expand [\(channels), \(reducedChannels)] + bias")
        }
        self.channels = channels
        self.reducedChannels = reducedChannels
        self.reduceWeight = reduceWeight
        self.reduceBias = reduceBias
        self.expandWeight = expandWeight
        self.expandBias = expandBias
    }

    /// `relu6(v + 3) / 6`.
    @inline(__always)
    public static func hardSigmoid(_ v: Float) -> Float { min(max(v + 3, 0), 6) / 6 }

    /// The per-image, per-channel gates `[N · channels]`.
    func gates(_ x: FeatureMap) -> [Float] {
        let pooled = Linear.globalAveragePool(x)
        var result = [Float](repeating: 0, count: x.batch * channels)
        for image in 0..<x.batch {
            let v = pooled[(image * channels)..<((image + 1) * channels)].map { $0 }
            var hidden = [Float](repeating: 0, count: reducedChannels)
            for r in 0..<reducedChannels {
                var sum = reduceBias[r]
                for c in 0..<channels { sum += reduceWeight[r * channels + c] * v[c] }
                hidden[r] = max(sum, 0)
            }
            for c in 0..<channels {
                var sum = expandBias[c]
                for r in 0..<reducedChannels { sum += expandWeight[c * reducedChannels + r] * hidden[r] }
                result[image * channels + c] = Self.hardSigmoid(sum)
            }
        }
        return result
    }

    /// `x · gate` per channel, into a new map from `pool`.
    public func apply(_ x: FeatureMap, pool: BufferPool) -> FeatureMap {
        precondition(x.channels == channels, "squeeze-excite expects \(channels) channels, got \(x.channels)")
        let gate = gates(x)
        let output = FeatureMap(batch: x.batch, channels: channels, height: x.height, width: x.width, pool: pool)
        let plane = x.planeSize
        let pointers = SharedPointers(source: x.pointer, matrix: output.pointer)
        ChannelLoop.run(x.batch * channels, minimumWork: plane) { index in
            let g = gate[index], source = pointers.source + index * plane, destination = pointers.matrix + index * plane
            for i in 0..<plane { destination[i] = source[i] * g }
        }
        return output
    }
}
