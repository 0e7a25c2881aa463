/// Applies a table to a set of names, in either direction, and accounts for every name.
public enum NameMapper {
    public enum Direction: Sendable { case foreignToCanonical, canonicalToForeign }

    /// Maps `names` (all on the `from` side of `direction`). A name matching two rules is an
    /// error, never a guess; names matching none are reported as unused or unknown.
    public static func map(_ names: [String], table: MappingTable, context: MappingContext,
                           direction: Direction) throws(MappingError) -> NameMapping {
        guard direction == .foreignToCanonical, !table.optionalPrefixes.isEmpty else {
            return try mapExact(names, table: table, context: context, direction: direction)
        }
        // Strip a declared whole-name prefix, then restore the original names in the result.
        var original: [String: String] = [:]
        var bareNames: [String] = []
        for name in names {
            let prefix = table.optionalPrefixes.first { name.hasPrefix($0) }
            let bare = prefix.map { String(name.dropFirst($0.count)) } ?? name
            if let other = original[bare] { throw .ambiguous(name: bare, rules: [other, name]) }
            original[bare] = name
            bareNames.append(bare)
        }
        var mapping = try mapExact(bareNames, table: table, context: context, direction: direction)
        mapping.restoreNames(original)
        return mapping
    }

    static func mapExact(_ names: [String], table: MappingTable, context: MappingContext,
                         direction: Direction) throws(MappingError) -> NameMapping {
        // Groups in the order first met, found through one hash of their key per name.
        var position: [GroupKey: Int] = [:]
        position.reserveCapacity(names.count)
        var groups: [PartialGroup] = []
        var result = NameMapping()
        let applicable = table.rules.map { $0.applies(context) }
        let index = direction == .foreignToCanonical ? table.foreignIndex : table.canonicalIndex
        for name in names {
            let hits = matches(name, table: table, index: index, applicable: applicable, context: context)
            if hits.count > 1 {
                throw .ambiguous(name: name, rules: hits.map { $0.rule.label })
            }
            guard let hit = hits.first else {
                result.classifyUnmatched(name, table: table, context: context, direction: direction)
                continue
            }
            let key = GroupKey(rule: hit.rule.index, values: hit.values)
            let group: Int
            if let known = position[key] {
                group = known
            } else {
                group = groups.count
                position[key] = group
                groups.append(PartialGroup(rule: hit.rule, values: hit.values, names: hit.names))
            }
            groups[group].found[hit.slot] = name
        }
        for partial in groups {
            try result.add(partial, context: context, direction: direction)
        }
        return result
    }

    struct Hit {
        let rule: MappingRule
        let slot: String
        /// The variables' values, slot `i` being `names[i]` (the matched pattern's `slotNames`).
        let values: SlotValues
        let names: [String]
    }

    /// Every (rule, slot) whose pattern matches `name`, among the rules `applicable` in `context`.
    static func matches(_ name: String, table: MappingTable, index: PatternIndex, applicable: [Bool],
                        context: MappingContext) -> [Hit] {
        var hits: [Hit] = []
        let bytes = Array(name.utf8)
        for position in index.candidates(bytes) {
            let entry = index.entries[position]
            guard applicable[entry.rule], let values = entry.pattern.match(bytes: bytes, context: context) else { continue }
            let rule = table.rules[entry.rule]
            let names = entry.pattern.slotNames
            if rule.withinBounds(values, names: names), rule.meetsTables(values, names: names, context) {
                hits.append(Hit(rule: rule, slot: entry.slot, values: values, names: names))
            }
        }
        return hits
    }

    /// A rule's names with the same values form one group. All patterns of a rule bind the
    /// same variables (`MappingRule.check`), so their slots agree and the values alone key it.
    struct GroupKey: Hashable {
        let rule: Int
        let values: SlotValues
    }

    struct PartialGroup {
        let rule: MappingRule
        let values: SlotValues
        let names: [String]
        var found: [String: String] = [:]
    }
}

/// The outcome of mapping names: complete groups, and every name that did not make one.
public struct NameMapping: Sendable {
    /// One application of a rule: the names on both sides, by slot.
    public struct Group: Sendable {
        public let rule: MappingRule
        let values: SlotValues
        let names: [String]
        public let canonical: [String: String]
        public let foreign: [String: String]

        /// The rule's variables as this group binds them.
        public var bindings: [String: Int] { values.dictionary(names: names) }
    }

    /// A group some of whose names are present and some missing (e.g. a BN without its Scale).
    public struct Incomplete: Sendable {
        public let rule: String
        public let present: [String]
        public let missing: [String]
    }

    public var groups: [Group] = []
    /// Names the table leaves unused on purpose: (name, category, reason).
    public var unused: [(name: String, category: String, reason: String?)] = []
    /// Names no rule and no unused pattern knows.
    public var unknown: [String] = []
    public var incomplete: [Incomplete] = []

    mutating func add(_ partial: NameMapper.PartialGroup, context: MappingContext,
                      direction: NameMapper.Direction) throws(MappingError) {
        let rule = partial.rule
        let fromSide = direction == .foreignToCanonical ? rule.foreign : rule.canonical
        let toSide = direction == .foreignToCanonical ? rule.canonical : rule.foreign
        var from: [String: String] = [:]
        for (slot, pattern) in fromSide {
            // Found names are kept as spelled; a missing one is named from the pattern (or shown
            // as the pattern itself when the context cannot spell it, e.g. before depths are known).
            from[slot] = partial.found[slot] ?? (try? pattern.render(partial.values, names: partial.names, context: context)) ?? pattern.description
        }
        let missing = fromSide.keys.filter { partial.found[$0] == nil }.compactMap { from[$0] }.sorted()
        guard missing.isEmpty else {
            incomplete.append(Incomplete(rule: rule.label, present: partial.found.values.sorted(), missing: missing))
            return
        }
        var to: [String: String] = [:]
        for (slot, pattern) in toSide { to[slot] = try pattern.render(partial.values, names: partial.names, context: context) }
        let (canonical, foreign) = direction == .foreignToCanonical ? (to, from) : (from, to)
        groups.append(Group(rule: rule, values: partial.values, names: partial.names, canonical: canonical, foreign: foreign))
    }

    /// Puts back the names as the file spelled them (with their optional prefix).
    mutating func restoreNames(_ original: [String: String]) {
        groups = groups.map { g in
            Group(rule: g.rule, values: g.values, names: g.names, canonical: g.canonical,
                  foreign: g.foreign.mapValues { original[$0] ?? $0 })
        }
        unused = unused.map { (original[$0.name] ?? $0.name, $0.category, $0.reason) }
        unknown = unknown.map { original[$0] ?? $0 }
    }

    mutating func classifyUnmatched(_ name: String, table: MappingTable, context: MappingContext,
                                    direction: NameMapper.Direction) {
        if direction == .foreignToCanonical,
           let known = table.unused.first(where: { $0.pattern.match(bytes: Array(name.utf8), context: context) != nil }) {
            unused.append((name, known.category, known.reason))
        } else {
            unknown.append(name)
        }
    }
}
