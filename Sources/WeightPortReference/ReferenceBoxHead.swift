import WeightPortModels

/// The FPN box head on the given boxes: pooled RoI features (`box.pooled`), convs + ReLU, flatten
/// in (C, H, W) order as every framework does, fully connected layers + ReLU (`box.features`).
struct ReferenceBoxHead: RunnableNode {
    let convs: [NormalizedConvolution]
    let fcs: [Linear]
    var needsBoxes: Bool { true }

    init(_ head: BoxHead, parameters: ParameterSource) {
        convs = head.convolutions.map { NormalizedConvolution($0, parameters: parameters) }
        fcs = (0..<head.spec.fcs).map { i in
            let path = "\(head.path).fc\(i + 1)"
            let weight = parameters.floats(path + ".weight"), bias = parameters.floats(path + ".bias")
            return Linear(inFeatures: weight.count / max(bias.count, 1), outFeatures: bias.count, weight: weight, bias: bias)
        }
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        guard let settings = state.heads else { return }
        let pooled = try RoIPooling.pool(state, settings: settings, pooler: settings.box)
        state.features["box.pooled"] = pooled
        var x = pooled
        for conv in convs { x = conv.apply(x, pool: state.pool, relu: true) }
        for fc in fcs { x = fc.apply(x, pool: state.pool, relu: true) }
        state.features["box.features"] = x
    }
}
