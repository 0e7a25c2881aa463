/// Finds which naming convention a file's tensor names are written in, and the architecture
/// facts (flags, blocks per stage) its names depend on.
public enum ConventionDetector {
    public struct Candidate: Sendable {
        public let table: MappingTable
        public let context: MappingContext
        /// Share of the names (those not deliberately unused) that the table maps.
        public let coverage: Double
        public let mapped: Int
        /// The names mapped under `context`: what scoring the table computed, so that the
        /// conversion that follows need not map the same names again.
        public let mapping: NameMapping
    }

    /// The context `names` imply under `table`: its flags, then stage depths read off a first
    /// pass (so that Detectron's `fpn_inner_res4_5_sum` can be checked against res4's depth).
    public static func context(for names: [String], table: MappingTable, base: MappingContext = MappingContext()) -> MappingContext {
        contextAndFirstPass(for: names, table: table, base: base).context
    }

    /// The context, and the mapping made while finding it when that mapping is already final
    /// (the table's names do not depend on stage depths), so ranking need not map twice.
    static func contextAndFirstPass(for names: [String], table: MappingTable,
                                    base: MappingContext = MappingContext()) -> (context: MappingContext, final: NameMapping?) {
        var context = base
        context.flags.formUnion(table.flags(revealedBy: names))
        guard context.tables["blocks"] == nil,
              let first = try? NameMapper.map(names, table: table, context: context, direction: .foreignToCanonical) else {
            return (context, nil)
        }
        var blocks: [Int: Int] = [:]
        for group in first.groups {
            for name in group.canonical.values {
                guard let (stage, block) = stageAndBlock(name) else { continue }
                blocks[stage] = max(blocks[stage] ?? 0, block + 1)
            }
        }
        if !blocks.isEmpty { context.tables["blocks"] = blocks }
        return (context, table.namesDependOnDepths ? nil : first)
    }

    /// `res4.22.conv1.weight` or `roi_heads.res5.2.…` → (4, 22) / (5, 2).
    static func stageAndBlock(_ canonical: String) -> (Int, Int)? {
        let parts = canonical.split(separator: ".")
        guard let i = parts.firstIndex(where: { $0.hasPrefix("res") && $0.count == 4 }), i + 1 < parts.count,
              let stage = Int(parts[i].dropFirst(3)), let block = Int(parts[i + 1]) else { return nil }
        return (stage, block)
    }

    /// Every table scored on `names`, best first.
    public static func rank(_ names: [String], tables: [MappingTable]) -> [Candidate] {
        tables.compactMap { table -> Candidate? in
            let (context, firstPass) = contextAndFirstPass(for: names, table: table)
            guard let mapping = firstPass ?? (try? NameMapper.map(names, table: table, context: context, direction: .foreignToCanonical)) else {
                return nil
            }
            let mapped = mapping.groups.reduce(0) { $0 + $1.foreign.count }
            let considered = names.count - mapping.unused.count
            let coverage = considered > 0 ? Double(mapped) / Double(considered) : 0
            return Candidate(table: table, context: context, coverage: coverage, mapped: mapped, mapping: mapping)
        }.sorted { ($0.coverage, $0.mapped) > ($1.coverage, $1.mapped) }
    }

    /// The convention of `names`: the best table, which must map most of them and beat the
    /// runner-up clearly; otherwise an error that lists the candidates.
    public static func detect(_ names: [String], tables: [MappingTable]) throws(DetectionError) -> Candidate {
        let ranked = rank(names, tables: tables)
        guard let best = ranked.first, best.coverage >= 0.5 else {
            throw .noConvention(best: ranked.prefix(3).map { ($0.table.convention, $0.coverage) })
        }
        if ranked.count > 1, ranked[1].coverage == best.coverage, ranked[1].mapped == best.mapped {
            throw .ambiguous(ranked.prefix(2).map { $0.table.convention })
        }
        return best
    }
}
