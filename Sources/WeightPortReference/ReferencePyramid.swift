import WeightPortModels
import WeightPortVocabulary

/// The FPN ready to run, as torchvision's `FeaturePyramidNetwork` and detectron2's `FPN` compute it.
/// Reads `res2…res5`, emits `p2…`.
struct ReferencePyramid: RunnableNode {
    let spec: FeaturePyramidSpec
    /// The backbone features it reads, finest first.
    let inputs: [String]
    let laterals: [NormalizedConvolution]
    let outputs: [NormalizedConvolution]
    let p6: NormalizedConvolution?
    let p7: NormalizedConvolution?

    init(_ pyramid: FeaturePyramid, parameters: ParameterSource) {
        spec = pyramid.spec
        inputs = pyramid.inputs
        laterals = pyramid.laterals.map { NormalizedConvolution($0, parameters: parameters) }
        outputs = pyramid.outputs.map { NormalizedConvolution($0, parameters: parameters) }
        p6 = pyramid.p6.map { NormalizedConvolution($0, parameters: parameters) }
        p7 = pyramid.p7.map { NormalizedConvolution($0, parameters: parameters) }
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        let stages = inputs.compactMap { state.features[$0] }
        for (name, level) in apply(stages, pool: state.pool) { state.features[name] = level }
    }

    /// P levels from res2…res5, finest first: `[(name, map)]`.
    func apply(_ stages: [FeatureMap], pool: BufferPool) -> [(String, FeatureMap)] {
        var levels = [FeatureMap?](repeating: nil, count: stages.count)
        var topDown: FeatureMap?
        for index in stages.indices.reversed() {
            let inner = laterals[index].apply(stages[index], pool: pool, relu: false)
            // torchvision: interpolate(last_inner, size=lateral.shape[-2:], mode="nearest") + lateral.
            if let topDown { NearestUpsample.add(topDown, into: inner) }
            levels[index] = outputs[index].apply(inner, pool: pool, relu: false)
            topDown = inner
        }
        var result = levels.enumerated().compactMap { index, map in map.map { ("p\(index + 2)", $0) } }
        guard let p5 = result.last?.1, let c5 = stages.last else { return result }
        switch spec.topBlock {
        case .none:
            break
        case .maxPool:
            // Detectron/detectron2/torchvision: max_pool2d(P5, kernel 1, stride 2), a subsampling.
            result.append(("p6", MaxPool(kernel: 1, stride: 2).apply(p5, pool: pool)))
        case .p6p7FromC5, .p6p7FromP5:
            guard let p6, let p7 else { break }
            let level6 = p6.apply(spec.topBlock == .p6p7FromC5 ? c5 : p5, pool: pool, relu: false)
            let activated = level6.copy(pool: pool)
            Epilogue.relu(activated)
            result.append(("p6", level6))
            result.append(("p7", p7.apply(activated, pool: pool, relu: false)))
        }
        return result
    }
}
