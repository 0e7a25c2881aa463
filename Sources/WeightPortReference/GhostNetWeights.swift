import WeightPortModels

/// Reads timm/huawei-named GhostNet parameters and folds each BatchNorm into its conv.
struct GhostNetWeights {
    let values: (String) -> [Float]?
    let eps: Float

    func floats(_ name: String) throws(GhostNetError) -> [Float] {
        guard let result = values(name) else { throw .parameter(name, reason: "missing") }
        return result
    }

    func norm(_ path: String, channels: Int) throws(GhostNetError) -> FoldedNorm {
        let fields = try ["weight", "bias", "running_mean", "running_var"].map { field throws(GhostNetError) in
            try floats("\(path).\(field)")
        }
        guard fields.allSatisfy({ $0.count == channels }) else {
            throw .parameter(path, reason: "BatchNorm needs \(channels) values per field")
        }
        return FoldedNorm(weight: fields[0], bias: fields[1], runningMean: fields[2], runningVar: fields[3], eps: eps)
    }

    func ghostModule(_ path: String, in input: Int, out: Int, relu: Bool) throws(GhostNetError) -> GhostModule {
        let width = GhostNetSpec.ghostWidths(out).primary
        return try GhostModule(inChannels: input, outChannels: out,
                               primaryWeights: try floats(path + ".primary_conv.0.weight"),
                               primaryNorm: try norm(path + ".primary_conv.1", channels: width),
                               cheapWeights: try floats(path + ".cheap_operation.0.weight"),
                               cheapNorm: try norm(path + ".cheap_operation.1", channels: GhostNetSpec.ghostWidths(out).cheap),
                               relu: relu)
    }

    func depthwise(_ conv: String, norm normPath: String, channels: Int, kernel: Int,
                   stride: Int) throws(GhostNetError) -> DepthwiseConvolution {
        var weights = try floats(conv + ".weight")
        let folded = try norm(normPath, channels: channels)
        guard weights.count == channels * kernel * kernel else {
            throw .parameter(conv + ".weight", reason: "needs [\(channels), 1, \(kernel), \(kernel)]")
        }
        folded.scaleRows(of: &weights)
        guard let result = DepthwiseConvolution(channels: channels, kernel: kernel, stride: stride,
                                                padding: (kernel - 1) / 2, weights: weights, bias: folded.shift) else {
            throw .parameter(conv, reason: "inconsistent depthwise conv")
        }
        return result
    }

    func convolution(_ conv: String, norm normPath: String, in input: Int, out: Int, kernel: Int,
                     stride: Int = 1) throws(GhostNetError) -> Convolution {
        var weights = try floats(conv + ".weight")
        let folded = try norm(normPath, channels: out)
        guard weights.count == out * input * kernel * kernel else {
            throw .parameter(conv + ".weight", reason: "needs [\(out), \(input), \(kernel), \(kernel)]")
        }
        folded.scaleRows(of: &weights)
        return Convolution(inChannels: input, outChannels: out, kernel: kernel, stride: stride, padding: (kernel - 1) / 2,
                           weights: weights, bias: folded.shift)
    }
}
