import WeightPortModels

/// The mask head: FPN pools its own RoIs (`mask.pooled`) and runs its convs + ReLU; C4 takes
/// res5's output on the RoIs (`v0upshare`: the box head's; `v0up`: its own copy's). Then the 2×2/2 deconv + ReLU and the 1×1
/// per-class logits (`mask.logits`, no sigmoid).
struct ReferenceMaskHead: RunnableNode {
    let convs: [NormalizedConvolution]
    let deconv: ConvTranspose2d
    let predictor: NormalizedConvolution
    var needsBoxes: Bool { true }

    init(_ head: MaskHead, parameters: ParameterSource) throws(LoadError) {
        let layers = head.convolutions
        convs = layers.dropLast().map { NormalizedConvolution($0, parameters: parameters) }
        predictor = NormalizedConvolution(layers[layers.count - 1], parameters: parameters)
        let inChannels = head.spec.convs > 0 ? head.spec.dim : head.spec.inChannels
        do {
            deconv = try ConvTranspose2d(inChannels: inChannels, outChannels: head.spec.dim, kernel: 2, stride: 2,
                                         weights: parameters.floats(head.path + ".deconv.weight"),
                                         bias: parameters.floats(head.path + ".deconv.bias"))
        } catch {
            throw .head(error)
        }
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        guard let settings = state.heads else { return }
        var x: FeatureMap
        if convs.isEmpty, let own = state.features[ReferenceMaskRes5Head.output] {
            // v0up (its own res5 copy, which pooled `mask.pooled`), or v0upshare recomputed with
            // the mask's pooler or dilation (which pooled it too).
            if state.features["mask.pooled"] == nil { state.features["mask.pooled"] = state.features["box.pooled"] }
            x = own
        } else if convs.isEmpty, let shared = state.features[ReferenceC4Head.res5OnRoIs] {
            // v0upshare whose mask pooler and dilation are the box head's: the box head's res5 output.
            state.features["mask.pooled"] = state.features["box.pooled"]
            x = shared
        } else {
            x = try RoIPooling.pool(state, settings: settings, pooler: settings.mask)
            state.features["mask.pooled"] = x
            for conv in convs { x = conv.apply(x, pool: state.pool, relu: true) }
        }
        do { x = try deconv.apply(x, pool: state.pool, relu: true) } catch { throw .head(error) }
        state.features["mask.logits"] = predictor.apply(x, pool: state.pool, relu: false)
    }
}
