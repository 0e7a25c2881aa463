import WeightPortModels
import WeightPortVocabulary

/// The stem ready to run: conv(s) + norm + ReLU, then the 3×3/2 max-pool with the source
/// framework's rounding; emits `stem`.
struct ReferenceStem: RunnableNode {
    let convs: [NormalizedConvolution]
    let pool: MaxPool
    let emits: [String]

    init(_ stem: Stem, parameters: ParameterSource) {
        convs = stem.convs.map { NormalizedConvolution($0, parameters: parameters) }
        pool = stem.pool == .pytorch
            ? MaxPool(kernel: 3, stride: 2, padding: 1)
            : MaxPool(kernel: 3, stride: 2, padding: 0, ceilMode: true)
        emits = stem.emits
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        var x = state.current
        for conv in convs { x = conv.apply(x, pool: state.pool, relu: true) }
        state.current = pool.apply(x, pool: state.pool)
        for name in emits { state.features[name] = state.current }
    }
}
