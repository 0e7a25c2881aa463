import WeightPortModels

/// A C4 detector's RoI head: RoIs pooled from res4 (`box.pooled`), res5's blocks on them, an
/// average pool (`box.features`); res5's output also feeds the `v0upshare` mask head.
struct ReferenceC4Head: RunnableNode {
    /// Where the mask head finds res5's output on the RoIs.
    static let res5OnRoIs = "roi_heads.res5"

    let blocks: [ReferenceBlock]
    var needsBoxes: Bool { true }

    init(_ head: C4RoIHead, parameters: ParameterSource) {
        blocks = head.blocks.map { block in
            var block = block
            block.emits = []
            return ReferenceBlock(block, parameters: parameters)
        }
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        guard let settings = state.heads else { return }
        let pooled = try RoIPooling.pool(state, settings: settings, pooler: settings.c4)
        state.features["box.pooled"] = pooled
        var x = pooled
        for block in blocks { x = block.apply(x, pool: state.pool) }
        state.features[Self.res5OnRoIs] = x
        let means = Linear.globalAveragePool(x)
        state.features["box.features"] = FeatureMap(values: means, shape: [x.batch, x.channels, 1, 1])
    }
}
