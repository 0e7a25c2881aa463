import WeightPortModels

/// The features of one forward pass: the running activation and every named feature so far.
/// Twins read what they need by name (a pyramid reads `res2…res5`, a head reads `p2…`).
struct ForwardState {
    /// The activation flowing down the backbone's chain.
    var current: FeatureMap
    var features: [String: FeatureMap] = [:]
    let pool: BufferPool
}

/// The runnable twin of a `ModelNode`: its parameters folded and ready, and how it computes.
protocol RunnableNode {
    func run(_ state: inout ForwardState)
}

/// Which twin runs each node kind: a new node kind is one Models file, one twin file and one
/// line here. Node kinds with no twin (the detection heads, for now) are checked by name and
/// shape but not run; `ReferenceModel.headsNotRun` lists them.
enum RunnableNodes {
    typealias Factory = @Sendable (any ModelNode, ParameterSource) -> (any RunnableNode)?

    static let factories: [ObjectIdentifier: Factory] = [
        ObjectIdentifier(Stem.self): { node, parameters in (node as? Stem).map { ReferenceStem($0, parameters: parameters) } },
        ObjectIdentifier(ResidualBlock.self): { node, parameters in
            (node as? ResidualBlock).map { ReferenceBlock($0, parameters: parameters) }
        },
        ObjectIdentifier(FeaturePyramid.self): { node, parameters in
            (node as? FeaturePyramid).map { ReferencePyramid($0, parameters: parameters) }
        },
        ObjectIdentifier(Classifier.self): { node, parameters in
            (node as? Classifier).map { ReferenceClassifier($0, parameters: parameters) }
        },
    ]

    /// The twin of `node`, nil when its kind has none.
    static func twin(of node: any ModelNode, parameters: ParameterSource) -> (any RunnableNode)? {
        factories[ObjectIdentifier(type(of: node))]?(node, parameters)
    }
}
