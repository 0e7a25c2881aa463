import WeightPortModels

/// A residual block ready to run: `relu(convs(x) + shortcut(x))`; the last block of a stage
/// emits the stage's feature.
struct ReferenceBlock: RunnableNode {
    let convs: [NormalizedConvolution]
    let shortcut: NormalizedConvolution?
    /// The `avg_down` pool before the shortcut conv.
    let shortcutPool: AvgPool?
    let emits: [String]

    init(_ block: ResidualBlock, parameters: ParameterSource) {
        convs = block.convs.map { NormalizedConvolution($0, parameters: parameters) }
        shortcut = block.shortcut.map { NormalizedConvolution($0, parameters: parameters) }
        shortcutPool = block.shortcutPoolStride > 1 ? AvgPool(kernel: block.shortcutPoolStride, stride: block.shortcutPoolStride) : nil
        emits = block.emits
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        state.current = apply(state.current, pool: state.pool)
        for name in emits { state.features[name] = state.current }
    }

    func apply(_ x: FeatureMap, pool: BufferPool) -> FeatureMap {
        var residual = x
        var ownsResidual = false
        if let shortcut {
            let pooled = shortcutPool?.apply(x, pool: pool) ?? x
            residual = shortcut.apply(pooled, pool: pool, relu: false)
            ownsResidual = true
        }
        var y = x
        for conv in convs.dropLast() { y = conv.apply(y, pool: pool, relu: true) }
        guard let last = convs.last else { return x }
        // The projection's output is ours alone, so the last conv accumulates straight into it.
        return last.apply(y, pool: pool, residual: residual, reuseResidual: ownsResidual, relu: true)
    }
}
