import WeightPortModels

/// The features of one forward pass: the running activation and every named feature so far.
/// Twins read what they need by name (a pyramid reads `res2…res5`, a head reads `p2…`).
struct ForwardState {
    /// The activation flowing down the backbone's chain.
    var current: FeatureMap
    var features: [String: FeatureMap] = [:]
    let pool: BufferPool
    /// How heads pool and upsample, and the boxes they run on; nil: heads that pool RoIs skip.
    let heads: HeadSettings?
}

/// The runnable twin of a `ModelNode`: its parameters folded and ready, and how it computes.
protocol RunnableNode {
    func run(_ state: inout ForwardState) throws(LoadError)
    /// Whether it runs only on boxes (RoI heads); such twins skip when the pass has none.
    var needsBoxes: Bool { get }
}

extension RunnableNode {
    var needsBoxes: Bool { false }
}

/// Which twin runs each node kind: a new node kind is one Models file, one twin file and one
/// line here. A node kind with no twin would be checked by name and shape but not run;
/// `ReferenceModel.notRun` lists such nodes.
enum RunnableNodes {
    typealias Factory = @Sendable (any ModelNode, ParameterSource) throws(LoadError) -> (any RunnableNode)?

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
        ObjectIdentifier(RPNHead.self): { node, parameters in
            (node as? RPNHead).map { ReferenceRPNHead($0, parameters: parameters) }
        },
        ObjectIdentifier(BoxHead.self): { node, parameters in
            (node as? BoxHead).map { ReferenceBoxHead($0, parameters: parameters) }
        },
        ObjectIdentifier(C4RoIHead.self): { node, parameters in
            (node as? C4RoIHead).map { ReferenceC4Head($0, parameters: parameters) }
        },
        ObjectIdentifier(BoxPredictor.self): { node, parameters in
            (node as? BoxPredictor).map { ReferenceBoxPredictor($0, parameters: parameters) }
        },
        ObjectIdentifier(MaskHead.self): { node, parameters throws(LoadError) in
            guard let node = node as? MaskHead else { return nil }
            return try ReferenceMaskHead(node, parameters: parameters)
        },
        ObjectIdentifier(KeypointHead.self): { node, parameters throws(LoadError) in
            guard let node = node as? KeypointHead else { return nil }
            return try ReferenceKeypointHead(node, parameters: parameters)
        },
    ]

    /// The twin of `node`, nil when its kind has none.
    static func twin(of node: any ModelNode, parameters: ParameterSource) throws(LoadError) -> (any RunnableNode)? {
        guard let factory = factories[ObjectIdentifier(type(of: node))] else { return nil }
        return try factory(node, parameters)
    }
}
