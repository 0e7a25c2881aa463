import WeightPortVocabulary
/// One row of a mapping table: a group of canonical tensors and the foreign tensors they
/// correspond to, with the transform that turns one into the other.
///
/// Most rows are one tensor on each side with the identity transform. Rows with several slots
/// express many-to-one relations exactly, e.g. Caffe's BatchNorm + Scale blobs becoming one
/// canonical norm (`transform: caffe_batchnorm`).
public struct MappingRule: Sendable {
    /// Slot name → canonical name pattern (the single slot of a simple row is `tensor`).
    public let canonical: [String: NamePattern]
    /// Slot name → foreign name pattern.
    public let foreign: [String: NamePattern]
    /// Transform name from `TransformRegistry`, `identity` when absent.
    public let transform: String
    /// Inclusive bounds on variables, e.g. `s: [2, 5]`.
    public let bounds: [String: ClosedRange<Int>]
    /// Architecture flags that must all hold (`c4`, `gn`, …) for the rule to apply.
    public let when: Set<ArchitectureFlag>
    /// Architecture flags none of which may hold.
    public let unless: Set<ArchitectureFlag>
    /// Per-index conditions on the context's tables: `if_in: {deformable: s}` applies the rule only
    /// where stage `s` is listed in the `deformable` table, `unless_in` only where it is not. A
    /// context without the table (reading a file, before anything is known) constrains nothing.
    public var tableConditions: [TableCondition] = []
    /// Position in the table file, for messages (`rule 7`).
    public let index: Int

    /// A rule's condition on one of the context's per-index tables.
    public struct TableCondition: Sendable, Equatable {
        public let table: String
        public let variable: String
        /// True: the bound value must be in the table; false: it must not.
        public let listed: Bool
    }

    public init(canonical: [String: NamePattern], foreign: [String: NamePattern], transform: String = "identity",
                bounds: [String: ClosedRange<Int>] = [:], when: Set<ArchitectureFlag> = [], unless: Set<ArchitectureFlag> = [], index: Int) {
        self.canonical = canonical
        self.foreign = foreign
        self.transform = transform
        self.bounds = bounds
        self.when = when
        self.unless = unless
        self.index = index
    }

    /// True when the architecture's flags let this rule apply.
    func applies(_ context: MappingContext) -> Bool {
        when.isSubset(of: context.flags) && unless.isDisjoint(with: context.flags)
    }

    /// `rule 7 (res{s}.{b}.conv1.weight)`, for messages.
    public var label: String {
        let first = canonical.keys.sorted().first.flatMap { canonical[$0]?.description } ?? "?"
        return "rule \(index) (\(first))"
    }

    func withinBounds(_ bindings: [String: Int]) -> Bool {
        bounds.allSatisfy { variable, range in bindings[variable].map(range.contains) ?? true }
    }

    /// `withinBounds` on a match's values, slot `i` being variable `names[i]`.
    func withinBounds(_ values: SlotValues, names: [String]) -> Bool {
        bounds.allSatisfy { variable, range in names.firstIndex(of: variable).map { range.contains(values[$0]) } ?? true }
    }

    /// Whether a match's values (slot `i` being variable `names[i]`) meet the table conditions in
    /// `context`.
    func meetsTables(_ values: SlotValues, names: [String], _ context: MappingContext) -> Bool {
        tableConditions.allSatisfy { condition in
            guard let table = context.tables[condition.table], let slot = names.firstIndex(of: condition.variable) else { return true }
            return (table[values[slot]] != nil) == condition.listed
        }
    }

    /// Every pattern on either side must bind the same variables, so that any one name of a
    /// group determines the whole group in both directions; wildcards never appear in rules.
    func check() throws(MappingError) {
        let variables = canonical.values.first?.variables ?? []
        for (side, slots) in [("canonical", canonical), ("foreign", foreign)] {
            guard !slots.isEmpty else { throw .invalidPattern("rule \(index) has no \(side) names") }
            for (slot, pattern) in slots {
                if pattern.hasWildcard { throw .invalidPattern("\(label): \(side) slot '\(slot)' has a wildcard") }
                guard pattern.variables == variables, pattern.mentionedVariables.isSubset(of: variables) else {
                    throw .invalidPattern("\(label): \(side) slot '\(slot)' binds \(pattern.variables.sorted()), the rule needs \(variables.sorted())")
                }
            }
        }
        var choices: [String: Int] = [:]
        for pattern in Array(canonical.values) + Array(foreign.values) {
            for case .number(let e) in pattern.segments {
                guard case .choice(let words) = e.spelling else { continue }
                if let n = choices[e.variable], n != words.count {
                    throw .invalidPattern("\(label): {\(e.variable)} lists \(n) words on one side and \(words.count) on another")
                }
                choices[e.variable] = words.count
            }
        }
        if transform == "identity" && (canonical.count != 1 || foreign.count != 1) {
            throw .invalidPattern("\(label): several slots need a transform")
        }
    }
}
