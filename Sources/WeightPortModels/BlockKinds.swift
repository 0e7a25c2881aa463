/// Builds the blocks of one kind (basic, bottleneck, …).
public protocol BlockKindBuilder {
    /// The spec's spelling of the kind.
    static var kind: ArchitectureSpec.BlockKind { get }
    /// Whether this builder makes the block at `placement` (the first registered one that does wins).
    static func applies(to placement: BlockPlacement) -> Bool
    static func build(_ placement: BlockPlacement) -> ResidualBlock
}

extension BlockKindBuilder {
    public static func applies(to placement: BlockPlacement) -> Bool { placement.spec.block == kind }
}

/// The registered block kinds: a new kind is one builder file and one line here.
enum BlockKinds {
    static var registered: [any BlockKindBuilder.Type] { [DeformableBottleneckBlock.self, BottleneckBlock.self, BasicBlock.self] }

    static func make(spec: ArchitectureSpec, stage: Int, index: Int, inChannels: Int,
                     prefix: String) throws(ArchitectureError) -> ResidualBlock {
        let placement = BlockPlacement(spec: spec, stage: stage, index: index, inChannels: inChannels, path: "\(prefix).\(index)")
        guard let builder = registered.first(where: { $0.applies(to: placement) }) else {
            throw .inconsistent("no builder for block kind '\(spec.block.rawValue)'")
        }
        return builder.build(placement)
    }
}
