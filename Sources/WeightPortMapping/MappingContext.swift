import WeightPortVocabulary
/// Architecture facts some names depend on, e.g. Detectron's FPN blob `fpn_inner_res4_5_sum`
/// embeds the last block index of res4 (5 in R-50, 22 in R-101).
public struct MappingContext: Sendable {
    /// Named per-index tables: `blocks[s]` is the number of blocks of stage `s`.
    public var tables: [String: [Int: Int]]
    /// Architecture traits rules can depend on: `c4` (res5 is the RoI head), `gn` (GroupNorm), …
    public var flags: Set<ArchitectureFlag>

    public init(tables: [String: [Int: Int]] = [:], flags: Set<ArchitectureFlag> = []) {
        self.tables = tables
        self.flags = flags
    }

    /// A context for ResNet stage depths, e.g. `[2: 3, 3: 4, 4: 6, 5: 3]` for R-50.
    public static func stages(_ blocks: [Int: Int]) -> MappingContext {
        MappingContext(tables: ["blocks": blocks])
    }

    public func lookup(_ table: String, _ index: Int) -> Int? { tables[table]?[index] }

    /// The MSRA Caffe spelling style for a stage: letters (`a`…`f`) unless the stage is written `b1…`.
    /// ResNet-50 spells every stage with letters; ResNet-101/152 use `b{n}` in res3 and res4.
    public var caffeNumberedStages: Set<Int> {
        guard let blocks = tables["blocks"] else { return [] }
        let deep = (blocks[4] ?? 0) > 6
        return deep ? [3, 4] : []
    }
}
