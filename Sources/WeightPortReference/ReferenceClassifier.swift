import WeightPortModels

/// Global average pool of the running activation, then the linear layer; emits `logits` [N, C, 1, 1].
struct ReferenceClassifier: RunnableNode {
    let linear: Linear
    let emits: [String]

    init(_ classifier: Classifier, parameters: ParameterSource) {
        linear = Linear(inFeatures: classifier.inFeatures, outFeatures: classifier.classes,
                        weight: parameters.floats(classifier.path + ".weight"), bias: parameters.floats(classifier.path + ".bias"))
        emits = classifier.emits
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        let x = state.current
        let logits = linear.apply(Linear.globalAveragePool(x), batch: x.batch, pool: state.pool)
        for name in emits { state.features[name] = logits }
    }
}
