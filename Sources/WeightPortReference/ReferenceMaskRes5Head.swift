import WeightPortModels

/// Detectron's C4 `v0up` mask branch before its deconv: the mask RoIs pooled from res4 with the
/// mask branch's own pooler (`HeadSettings.c4MaskPooler`, `MRCNN.ROI_XFORM_*`; `mask.pooled`), then the branch's own res5 copy at `MRCNN.DILATION` (`HeadSettings.maskDilation`);
/// the mask head's deconv reads the result.
struct ReferenceMaskRes5Head: RunnableNode {
    /// Where the mask head finds the mask branch's own res5 output on the RoIs.
    static let output = "roi_heads.mask_head.res5"

    let stage: RoIStage
    var needsBoxes: Bool { true }

    init(_ head: MaskRes5Head, parameters: ParameterSource) {
        stage = RoIStage(head.blocks, parameters: parameters)
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        guard let settings = state.heads else { return }
        let pooled = try RoIPooling.pool(state, settings: settings, pooler: settings.c4MaskPooler)
        state.features["mask.pooled"] = pooled
        state.features[Self.output] = stage.apply(pooled, dilation: settings.maskDilation, pool: state.pool)
    }
}
