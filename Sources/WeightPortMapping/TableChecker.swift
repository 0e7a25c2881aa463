/// Checks a table's rules against each other: every rule, instantiated with sample values,
/// must map to its own names and back in both directions and be matched by no other rule.
/// This is what `weightport mappings check` runs; a table that fails it is never used.
public enum TableChecker {
    public struct Problem: Sendable, CustomStringConvertible {
        public let rule: String
        public let message: String
        public var description: String { "\(rule): \(message)" }
    }

    /// Sample architecture for function expressions: ResNet-50's stage depths.
    static let sampleContext = MappingContext.stages([2: 3, 3: 4, 4: 6, 5: 3])

    public static func check(_ table: MappingTable) -> [Problem] {
        table.rules.flatMap { rule in samples(rule).flatMap { check(rule, $0, table) } }
    }

    static func check(_ rule: MappingRule, _ bindings: [String: Int], _ table: MappingTable) -> [Problem] {
        var context = sampleContext
        context.flags = rule.when
        // Exercise each rule where its table conditions hold: its conditions' tables list every
        // index, or none, as the rule asks (other rules' conditions on them then decide overlap).
        for condition in rule.tableConditions {
            context.tables[condition.table] = condition.listed ? Dictionary(uniqueKeysWithValues: (0...9).map { ($0, 1) }) : [:]
        }
        var problems: [Problem] = []
        for (direction, side) in [(NameMapper.Direction.canonicalToForeign, rule.canonical), (.foreignToCanonical, rule.foreign)] {
            guard let names = try? side.values.map({ try $0.render(bindings, context: context) }) else {
                problems.append(Problem(rule: rule.label, message: "cannot render names for \(bindings)"))
                continue
            }
            do {
                let mapping = try NameMapper.map(names, table: table, context: context, direction: direction)
                let others = mapping.groups.filter { $0.rule.index != rule.index }
                if !others.isEmpty || mapping.groups.count != 1 || !mapping.unknown.isEmpty || !mapping.incomplete.isEmpty {
                    problems.append(Problem(rule: rule.label, message: "\(names.sorted()) do not map back through this rule alone"))
                }
            } catch {
                problems.append(Problem(rule: rule.label, message: "\(names.sorted()): \(error.what)"))
            }
        }
        return problems
    }

    /// A few bindings per rule: every variable at the low and high end of its range.
    static func samples(_ rule: MappingRule) -> [[String: Int]] {
        let variables = rule.canonical.values.first?.variables.sorted() ?? []
        var low: [String: Int] = [:], high: [String: Int] = [:]
        for variable in variables {
            let range = rule.bounds[variable] ?? defaultRange(variable, rule)
            low[variable] = range.lowerBound
            high[variable] = range.upperBound
        }
        return low == high ? [low] : [low, high]
    }

    /// Without explicit bounds: the word count of a choice, else small non-negative values that
    /// every affine expression in the rule turns into non-negative numbers.
    static func defaultRange(_ variable: String, _ rule: MappingRule) -> ClosedRange<Int> {
        var lowest = 0
        for pattern in Array(rule.canonical.values) + Array(rule.foreign.values) {
            for case .number(let e) in pattern.segments where e.variable == variable {
                if case .choice(let words) = e.spelling { return 0...(words.count - 1) }
                if e.function == nil && e.scale > 0 { while e.scale * lowest + e.offset < 0 { lowest += 1 } }
            }
        }
        return lowest...(lowest + 2)
    }
}
