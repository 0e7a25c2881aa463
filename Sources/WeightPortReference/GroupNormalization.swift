/// GroupNorm over NCHW: statistics per (image, group) from the activations, then per-channel affine.
///
/// Sums run in Double so the statistics do not depend on summation order at float precision.
public struct GroupNormalization: Sendable {
    public let groups: Int
    public let eps: Float
    public let weight: [Float]
    public let bias: [Float]

    /// `weight`/`bias` per channel; the channel count must divide into `groups`.
    public init(groups: Int, eps: Float, weight: [Float], bias: [Float]) {
        precondition(weight.count == bias.count && weight.count % groups == 0, "GroupNorm channels must divide into groups")
        self.groups = groups
        self.eps = eps
        self.weight = weight
        self.bias = bias
    }

    /// Normalises `x` in place, then adds `residual` and applies ReLU when asked.
    public func apply(_ x: FeatureMap, residual: FeatureMap? = nil, relu: Bool = false) {
        precondition(x.channels == weight.count, "GroupNorm expects \(weight.count) channels")
        let perGroup = x.channels / groups, plane = x.planeSize, channels = x.channels
        let pointers = SharedPointers(source: residual?.pointer ?? x.pointer, matrix: x.pointer)
        let hasResidual = residual != nil
        let (weight, bias, eps) = (self.weight, self.bias, Double(self.eps))
        ChannelLoop.run(x.batch * groups, minimumWork: perGroup * plane) { index in
            let start = pointers.matrix + index * perGroup * plane, count = perGroup * plane
            var sum = 0.0, squares = 0.0
            for i in 0..<count { let v = Double(start[i]); sum += v; squares += v * v }
            let mean = sum / Double(count)
            let invStd = 1 / (max(squares / Double(count) - mean * mean, 0) + eps).squareRoot()
            for c in 0..<perGroup {
                let channel = (index % (channels / perGroup)) * perGroup + c
                let scale = Float(Double(weight[channel]) * invStd)
                let shift = Float(Double(bias[channel]) - mean * Double(weight[channel]) * invStd)
                let values = start + c * plane
                let addend = pointers.source + (index * perGroup + c) * plane
                for i in 0..<plane {
                    var v = values[i] * scale + shift
                    if hasResidual { v += addend[i] }
                    values[i] = relu ? max(v, 0) : v
                }
            }
        }
    }
}
