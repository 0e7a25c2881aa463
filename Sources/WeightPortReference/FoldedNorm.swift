/// An affine or BatchNorm reduced to `y = x * scale + shift` per channel.
///
/// BatchNorm: `scale = γ / sqrt(var + eps)`, `shift = β − mean · scale`; affine (AffineChannel,
/// FrozenBatchNorm without eps): `scale = γ`, `shift = β`. A preceding conv's bias folds in as
/// `shift += bias · scale`. Computed in Double so folding adds no error beyond one rounding.
public struct FoldedNorm: Sendable {
    public let scale: [Float]
    public let shift: [Float]

    /// Pass `runningMean`/`runningVar` for BatchNorm, nil for affine.
    public init(weight: [Float], bias: [Float], runningMean: [Float]?, runningVar: [Float]?, eps: Float,
                convBias: [Float]? = nil) {
        var scale = [Float](), shift = [Float]()
        for c in weight.indices {
            var s = Double(weight[c]), t = Double(bias[c])
            if let runningMean, let runningVar {
                s /= (Double(runningVar[c]) + Double(eps)).squareRoot()
                t -= Double(runningMean[c]) * s
            }
            if let convBias { t += Double(convBias[c]) * s }
            scale.append(Float(s))
            shift.append(Float(t))
        }
        self.scale = scale
        self.shift = shift
    }

    /// Multiplies each output channel's weights (`[out, …]` rows) by its scale.
    public func scaleRows(of weights: inout [Float]) {
        let rowLength = weights.count / max(scale.count, 1)
        for (c, s) in scale.enumerated() {
            for i in (c * rowLength)..<((c + 1) * rowLength) { weights[i] *= s }
        }
    }

    /// `x * scale + shift` in place (the unfused form, for checks).
    public func apply(_ x: FeatureMap) {
        for index in 0..<(x.batch * x.channels) {
            let c = index % x.channels, values = x.pointer + index * x.planeSize
            for i in 0..<x.planeSize { values[i] = values[i] * scale[c] + shift[c] }
        }
    }
}
