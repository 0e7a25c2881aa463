import WeightPortVocabulary

extension ArchitectureSpec {
    /// The flags this architecture implies: the one place they are derived from a model (tables
    /// read the same flags off a file's names with their `flags:` patterns).
    /// Stages (2…5) whose conv2 is deformable, as the `deformable` table rules' `if_in` reads it.
    public var deformableStages: [Int: Int] {
        var stages: [Int: Int] = [:]
        for (index, on) in (deformable?.stages ?? []).enumerated() where on { stages[index + 2] = 1 }
        return stages
    }

    public var flags: Set<ArchitectureFlag> {
        var flags = Set<ArchitectureFlag>()
        if body == .c4 { flags.insert(.c4) }
        if body == .fpn { flags.insert(.fpn) }
        if norm.kind == .group { flags.insert(.gn) }
        if stem == .deep { flags.insert(.deepStem) }
        if shortcut == .avgDown { flags.insert(.avgDown) }
        if fpn?.topBlock == .p6p7FromC5 || fpn?.topBlock == .p6p7FromP5 { flags.insert(.retinanet) }
        if body != .c5 || !heads.isEmpty { flags.insert(.detection) }
        if heads.box?.convNorm?.kind == .group || heads.mask?.convNorm?.kind == .group { flags.insert(.gnHeads) }
        if ghostnet != nil { flags = flags.subtracting([.deepStem, .avgDown]).union([.ghostnet]) }
        return flags
    }
}
