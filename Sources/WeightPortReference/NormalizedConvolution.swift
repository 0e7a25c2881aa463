import WeightPortModels

/// A conv of the canonical tree with its norm ready to run: affine and BatchNorm are folded into
/// the conv's weights and bias once, at load; GroupNorm depends on the activations and runs after.
struct NormalizedConvolution: Sendable {
    let convolution: Convolution
    let groupNorm: GroupNormalization?

    init(_ layer: ConvolutionLayer, parameters: ParameterSource) {
        var weights = parameters.floats(layer.path + ".weight")
        let convBias = layer.hasBias ? parameters.floats(layer.path + ".bias") : nil
        var bias = convBias
        var groupNorm: GroupNormalization?
        if let norm = layer.norm {
            let path = layer.normPath
            let gamma = parameters.floats(path + ".weight"), beta = parameters.floats(path + ".bias")
            switch norm.kind {
            case .affine, .batch:
                let mean = norm.kind == .batch ? parameters.floats(path + ".running_mean") : nil
                let variance = norm.kind == .batch ? parameters.floats(path + ".running_var") : nil
                let folded = FoldedNorm(weight: gamma, bias: beta, runningMean: mean, runningVar: variance,
                                        eps: norm.eps, convBias: convBias)
                folded.scaleRows(of: &weights)
                bias = folded.shift
            case .group:
                groupNorm = GroupNormalization(groups: norm.groups, eps: norm.eps, weight: gamma, bias: beta)
            }
        }
        convolution = Convolution(inChannels: layer.inChannels, outChannels: layer.outChannels, kernel: layer.kernel,
                                  stride: layer.stride, padding: layer.padding, dilation: layer.dilation,
                                  groups: layer.groups, weights: weights, bias: bias)
        self.groupNorm = groupNorm
    }

    /// `relu?(norm(conv(x)) + residual)`; see `Convolution.apply` for `reuseResidual`.
    func apply(_ x: FeatureMap, pool: BufferPool, residual: FeatureMap? = nil, reuseResidual: Bool = false,
               relu: Bool) -> FeatureMap {
        guard let groupNorm else {
            return convolution.apply(x, pool: pool, residual: residual, reuseResidual: reuseResidual, relu: relu)
        }
        let output = convolution.apply(x, pool: pool)
        groupNorm.apply(output, residual: residual, relu: relu)
        return output
    }
}
