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

    static let factories: [ObjectIdentifier: Factory] = Dictionary(uniqueKeysWithValues: [
        entry(Stem.self) { ReferenceStem($0, parameters: $1) },
        entry(ResidualBlock.self) { block, parameters throws(LoadError) in
            if block.deformable == nil { return ReferenceBlock(block, parameters: parameters) }
            return try ReferenceDeformableBlock(block, parameters: parameters)
        },
        entry(FeaturePyramid.self) { ReferencePyramid($0, parameters: $1) },
        entry(GhostNetBackbone.self) { node, parameters throws(LoadError) in try ReferenceGhostNetBackbone(node, parameters: parameters) },
        entry(Classifier.self) { ReferenceClassifier($0, parameters: $1) },
        entry(RPNHead.self) { ReferenceRPNHead($0, parameters: $1) },
        entry(BoxHead.self) { ReferenceBoxHead($0, parameters: $1) },
        entry(C4RoIHead.self) { ReferenceC4Head($0, parameters: $1) },
        entry(BoxPredictor.self) { ReferenceBoxPredictor($0, parameters: $1) },
        entry(MaskRes5Head.self) { ReferenceMaskRes5Head($0, parameters: $1) },
        entry(MaskHead.self) { node, parameters throws(LoadError) in try ReferenceMaskHead(node, parameters: parameters) },
        entry(KeypointHead.self) { node, parameters throws(LoadError) in try ReferenceKeypointHead(node, parameters: parameters) },
    ])

    /// The registry entry building `Node`'s twin.
    private static func entry<Node: ModelNode>(
        _ kind: Node.Type, _ build: @escaping @Sendable (Node, ParameterSource) throws(LoadError) -> any RunnableNode
    ) -> (ObjectIdentifier, Factory) {
        (ObjectIdentifier(kind), { node, parameters throws(LoadError) in
            guard let node = node as? Node else { return nil }
            return try build(node, parameters)
        })
    }

    /// The twin of `node`, nil when its kind has none.
    static func twin(of node: any ModelNode, parameters: ParameterSource) throws(LoadError) -> (any RunnableNode)? {
        guard let factory = factories[ObjectIdentifier(type(of: node))] else { return nil }
        return try factory(node, parameters)
    }
}
