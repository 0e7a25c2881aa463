import WeightPortModels
import WeightPortVocabulary

/// The RPN head on every pyramid level (one set of weights), or on res4 for C4: a 3×3 conv +
/// ReLU, then 1×1 objectness logits and 1×1 box deltas, emitted raw (`rpn.objectness.p2`, …).
struct ReferenceRPNHead: RunnableNode {
    let conv: NormalizedConvolution
    let objectness: NormalizedConvolution
    let deltas: NormalizedConvolution

    init(_ head: RPNHead, parameters: ParameterSource) {
        let layers = head.convolutions.map { NormalizedConvolution($0, parameters: parameters) }
        (conv, objectness, deltas) = (layers[0], layers[1], layers[2])
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        let levels = FeatureName.pyramid.filter { state.features[$0] != nil }
        if levels.isEmpty, let res4 = state.features[FeatureName.stage(2)] {
            emit(on: res4, suffix: "", into: &state)
        }
        for level in levels {
            if let map = state.features[level] { emit(on: map, suffix: "." + level, into: &state) }
        }
    }

    private func emit(on map: FeatureMap, suffix: String, into state: inout ForwardState) {
        let hidden = conv.apply(map, pool: state.pool, relu: true)
        state.features["rpn.objectness" + suffix] = objectness.apply(hidden, pool: state.pool, relu: false)
        state.features["rpn.deltas" + suffix] = deltas.apply(hidden, pool: state.pool, relu: false)
    }
}
