import WeightPortModels

/// A bottleneck whose conv2 is deformable: conv1 + ReLU, the offset conv and deformable conv2
/// (`DeformableLayer`, norm folded) + ReLU, conv3 + the shortcut + ReLU.
struct ReferenceDeformableBlock: RunnableNode {
    let conv1: NormalizedConvolution
    let conv2: DeformableLayer
    let conv3: NormalizedConvolution
    let shortcut: NormalizedConvolution?
    let shortcutPool: AvgPool?
    let emits: [String]

    init(_ block: ResidualBlock, parameters: ParameterSource) throws(LoadError) {
        guard let deformable = block.deformable, block.convs.count == 3 else {
            throw .architecture(.inconsistent("\(block.path) is not a deformable bottleneck"))
        }
        conv1 = NormalizedConvolution(block.convs[0], parameters: parameters)
        conv3 = NormalizedConvolution(block.convs[2], parameters: parameters)
        shortcut = block.shortcut.map { NormalizedConvolution($0, parameters: parameters) }
        shortcutPool = block.shortcutPoolStride > 1 ? AvgPool(kernel: block.shortcutPoolStride, stride: block.shortcutPoolStride) : nil
        emits = block.emits
        let layer = block.convs[1]
        guard let norm = layer.norm, norm.kind != .group else {
            throw .architecture(.inconsistent("\(layer.path): a deformable conv runs here with BatchNorm or affine norms only"))
        }
        let path = layer.normPath
        let folded = FoldedNorm(weight: parameters.floats(path + ".weight"), bias: parameters.floats(path + ".bias"),
                                runningMean: norm.kind == .batch ? parameters.floats(path + ".running_mean") : nil,
                                runningVar: norm.kind == .batch ? parameters.floats(path + ".running_var") : nil, eps: norm.eps)
        do {
            // detectron2 and mmcv split a DCNv2 offset conv into thirds (offsets, then mask logits);
            // maskrcnn-benchmark's [:18]/[-9:] is the same rule for one group.
            conv2 = try DeformableLayer(inChannels: layer.inChannels, outChannels: layer.outChannels, kernel: layer.kernel,
                                        stride: layer.stride, padding: layer.padding, dilation: layer.dilation,
                                        groups: layer.groups, deformableGroups: deformable.groups,
                                        split: deformable.modulated ? .thirds : nil,
                                        offsetWeights: parameters.floats(deformable.offset.path + ".weight"),
                                        offsetBias: parameters.floats(deformable.offset.path + ".bias"),
                                        weights: parameters.floats(layer.path + ".weight"), norm: folded)
        } catch {
            throw .head(.invalidSetting(error.what))
        }
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        let x = state.current
        var residual = x
        if let shortcut { residual = shortcut.apply(shortcutPool?.apply(x, pool: state.pool) ?? x, pool: state.pool, relu: false) }
        let y = conv1.apply(x, pool: state.pool, relu: true)
        let z: FeatureMap
        do { z = try conv2.apply(y, pool: state.pool, relu: true) } catch { throw .head(.invalidSetting(error.what)) }
        state.current = conv3.apply(z, pool: state.pool, residual: residual, reuseResidual: shortcut != nil, relu: true)
        for name in emits { state.features[name] = state.current }
    }
}
