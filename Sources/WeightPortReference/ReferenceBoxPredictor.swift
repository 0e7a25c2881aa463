import WeightPortModels

/// Class scores and box deltas from `box.features` (hub layout: background first).
struct ReferenceBoxPredictor: RunnableNode {
    let scores: Linear
    let deltas: Linear
    var needsBoxes: Bool { true }

    init(_ predictor: BoxPredictor, parameters: ParameterSource) {
        func linear(_ name: String, _ out: Int) -> Linear {
            let path = "\(predictor.path).\(name)"
            return Linear(inFeatures: predictor.spec.inFeatures, outFeatures: out,
                          weight: parameters.floats(path + ".weight"), bias: parameters.floats(path + ".bias"))
        }
        scores = linear("cls_score", predictor.spec.classes)
        deltas = linear("bbox_pred", predictor.spec.boxRows)
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        guard state.heads != nil, let features = state.features["box.features"] else { return }
        guard features.count == features.batch * scores.inFeatures else {
            throw .input(expected: "box features of width \(scores.inFeatures)", found: features.shape)
        }
        state.features["box.cls_score"] = scores.apply(features, pool: state.pool)
        state.features["box.bbox_pred"] = deltas.apply(features, pool: state.pool)
    }
}
