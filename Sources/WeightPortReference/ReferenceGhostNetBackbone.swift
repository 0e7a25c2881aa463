import WeightPortCore
import WeightPortModels

/// A GhostNet backbone node ready to run (`ReferenceGhostNet` over the node's parameters, read
/// under their timm names): emits `stem`, `c2`…`c5` and `logits`; the running activation
/// becomes `c5` for the pyramid or anything after it.
struct ReferenceGhostNetBackbone: RunnableNode {
    let network: ReferenceGhostNet
    let emits: [String]

    init(_ node: GhostNetBackbone, parameters: ParameterSource) throws(LoadError) {
        let prefix = GhostNetBackbone.prefix
        let tensors = node.parameters.map { parameter in
            (String(parameter.path.dropFirst(prefix.count)), Tensor(float32: parameters.floats(parameter.path), shape: parameter.shape))
        }
        do {
            network = try ReferenceGhostNet(spec: node.spec, stateDict: StateDict(tensors))
        } catch {
            throw .head(.invalidSetting(error.what))
        }
        emits = node.emits
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        let features: [String: FeatureMap]
        do { features = try network.forward(state.current) } catch { throw .head(.invalidSetting(error.what)) }
        for name in emits {
            // The network's buffers are its own; copy into the pass's pool so later nodes may recycle them.
            if let map = features[name] { state.features[name] = map.copy(pool: state.pool) }
        }
        if let c5 = state.features["c5"] { state.current = c5 }
    }
}
