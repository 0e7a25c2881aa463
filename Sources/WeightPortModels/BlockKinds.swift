/// Builds the blocks of one kind (basic, bottleneck, …).
public protocol BlockKindBuilder {
    /// The spec's spelling of the kind.
    static var kind: ArchitectureSpec.BlockKind { get }
    static func build(_ placement: BlockPlacement) -> ResidualBlock
}

/// The registered block kinds: a new kind is one builder file and one line here.
enum BlockKinds {
    static var registered: [any BlockKindBuilder.Type] { [BasicBlock.self, BottleneckBlock.self] }

    static func make(spec: ArchitectureSpec, stage: Int, index: Int, inChannels: Int,
                     prefix: String) throws(ArchitectureError) -> ResidualBlock {
        guard let builder = registered.first(where: { $0.kind == spec.block }) else {
            throw .inconsistent("no builder for block kind '\(spec.block.rawValue)'")
        }
        return builder.build(BlockPlacement(spec: spec, stage: stage, index: index, inChannels: inChannels,
                                            path: "\(prefix).\(index)"))
    }
}
