import WeightPortModels

/// A C4 detector's RoI head: RoIs pooled from res4 (`box.pooled`), res5's blocks on them, an
/// average pool (`box.features`); res5's output also feeds the `v0upshare` mask head, which
/// Detectron recomputes at test time with the mask branch's pooler (`MRCNN.ROI_XFORM_*`) and
/// `MRCNN.DILATION`: where either differs from the box head's, res5 runs a second time.
struct ReferenceC4Head: RunnableNode {
    /// Where the mask head finds res5's output on the RoIs.
    static let res5OnRoIs = "roi_heads.res5"

    let stage: RoIStage
    let feedsMask: Bool
    var needsBoxes: Bool { true }

    init(_ head: C4RoIHead, parameters: ParameterSource) {
        stage = RoIStage(head.blocks, parameters: parameters)
        feedsMask = head.feedsMask
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        guard let settings = state.heads else { return }
        let pooled = try RoIPooling.pool(state, settings: settings, pooler: settings.c4)
        state.features["box.pooled"] = pooled
        let x = stage.apply(pooled, dilation: 1, pool: state.pool)
        state.features[Self.res5OnRoIs] = x
        if feedsMask, settings.maskDilation != 1 || settings.c4MaskPooler != settings.c4 {
            // v0upshare at test time: `_[mask]_pool5` with the mask's pooler, then `_[mask]_res5`
            // with the box head's weights at the mask's dilation.
            let maskPooled = settings.c4MaskPooler == settings.c4
                ? pooled : try RoIPooling.pool(state, settings: settings, pooler: settings.c4MaskPooler)
            state.features["mask.pooled"] = maskPooled
            state.features[ReferenceMaskRes5Head.output] = stage.apply(maskPooled, dilation: settings.maskDilation, pool: state.pool)
        }
        let means = Linear.globalAveragePool(x)
        state.features["box.features"] = FeatureMap(values: means, shape: [x.batch, x.channels, 1, 1])
    }
}
