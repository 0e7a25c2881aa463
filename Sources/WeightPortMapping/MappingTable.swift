import Foundation
import Yams

/// One naming convention's table, read from `mappings/<convention>.yaml` and usable both ways.
public struct MappingTable: Sendable {
    /// A foreign-name pattern the table knows and deliberately leaves unused (with why).
    public struct UnusedPattern: Sendable {
        public let pattern: NamePattern
        /// `optimizer-state`, `bookkeeping`, `classifier`, … — how the report groups it.
        public let category: String
        public let reason: String?
    }

    public let convention: String
    public let description: String
    public let semantics: ConventionSemantics
    public let rules: [MappingRule]
    /// Feature (activation) names: canonical `res2`, `p3`, … ↔ the framework's own
    /// (`layer1`, FPN `'1'`, Detectron `res2_2_sum`), for recorded activations.
    public let features: [MappingRule]
    public let unused: [UnusedPattern]
    /// Architecture flags a file's names reveal: flag → patterns any one of which sets it.
    public let flagPatterns: [String: [NamePattern]]
    /// Prefixes foreign names may carry as a whole (`module.` from DataParallel); never written.
    public let optionalPrefixes: [String]

    /// Parses and validates a table; every problem is reported with the file name.
    public init(yaml text: String, file: String) throws(MappingError) {
        let raw: TableFile
        do {
            raw = try YAMLDecoder().decode(TableFile.self, from: text)
        } catch {
            throw .invalidTable(file: file, reason: "not a mapping table: \(error)")
        }
        convention = raw.convention
        description = raw.description ?? ""
        semantics = raw.semantics ?? ConventionSemantics()
        var rules: [MappingRule] = []
        for (i, row) in raw.rules.enumerated() {
            do {
                let rule = try row.rule(index: i + 1)
                try rule.check()
                guard TransformCatalog.known.contains(rule.transform) else {
                    throw MappingError.invalidPattern("rule \(i + 1): unknown transform '\(rule.transform)'")
                }
                rules.append(rule)
            } catch let error as MappingError {
                throw .invalidTable(file: file, reason: error.what)
            } catch {
                throw .invalidTable(file: file, reason: "rule \(i + 1): \(error)")
            }
        }
        self.rules = rules
        var features: [MappingRule] = []
        for (i, row) in (raw.features ?? []).enumerated() {
            do {
                let rule = try row.rule(index: i + 1)
                try rule.check()
                features.append(rule)
            } catch let error as MappingError {
                throw .invalidTable(file: file, reason: "feature " + error.what)
            } catch {
                throw .invalidTable(file: file, reason: "feature \(i + 1): \(error)")
            }
        }
        self.features = features
        optionalPrefixes = raw.optionalPrefixes ?? []
        do {
            var flags: [String: [NamePattern]] = [:]
            for (flag, patterns) in raw.flags ?? [:] {
                flags[flag] = try patterns.map { text throws(MappingError) in try NamePattern(text) }
            }
            flagPatterns = flags
            unused = try (raw.unused ?? []).map { row throws(MappingError) in
                UnusedPattern(pattern: try NamePattern(row.pattern), category: row.category, reason: row.reason)
            }
        } catch {
            throw .invalidTable(file: file, reason: error.what)
        }
    }

    /// The canonical feature name for `name` (a recorded activation's key), nil if unknown.
    public func canonicalFeature(_ name: String, context: MappingContext) -> String? {
        for rule in features where rule.applies(context) {
            guard let pattern = rule.foreign["tensor"], let bindings = pattern.match(name, context: context),
                  rule.withinBounds(bindings) else { continue }
            return try? rule.canonical["tensor"]?.render(bindings, context: context)
        }
        return nil
    }

    /// The flags `names` reveal (e.g. `gn` when GroupNorm blobs are present).
    public func flags(revealedBy names: [String]) -> Set<String> {
        let empty = MappingContext()
        return Set(flagPatterns.filter { _, patterns in
            names.contains { name in patterns.contains { $0.match(name, context: empty) != nil } }
        }.keys)
    }

    /// Loads `mappings/<convention>.yaml` (or any path).
    public static func load(path: String) throws(MappingError) -> MappingTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .invalidTable(file: path, reason: "cannot read the file")
        }
        return try MappingTable(yaml: text, file: path)
    }
}

/// The YAML shape of a table file.
struct TableFile: Decodable {
    struct Row: Decodable {
        let canonical: Slots
        let foreign: Slots
        let transform: String?
        let bounds: [String: [Int]]?
        let when: [String]?
        let unless: [String]?

        enum CodingKeys: String, CodingKey { case canonical, foreign, transform, bounds = "where", when, unless }

        func rule(index: Int) throws -> MappingRule {
            var ranges: [String: ClosedRange<Int>] = [:]
            for (variable, pair) in bounds ?? [:] {
                guard pair.count == 2, pair[0] <= pair[1] else {
                    throw MappingError.invalidPattern("rule \(index): bounds of \(variable) must be [low, high]")
                }
                ranges[variable] = pair[0]...pair[1]
            }
            return MappingRule(canonical: try canonical.patterns(), foreign: try foreign.patterns(),
                               transform: transform ?? "identity", bounds: ranges,
                               when: Set(when ?? []), unless: Set(unless ?? []), index: index)
        }
    }

    /// One name (slot `tensor`) or a map of slot names to names.
    struct Slots: Decodable {
        let map: [String: String]
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let single = try? container.decode(String.self) {
                map = ["tensor": single]
            } else {
                map = try container.decode([String: String].self)
            }
        }
        func patterns() throws -> [String: NamePattern] {
            var out: [String: NamePattern] = [:]
            for (slot, text) in map { out[slot] = try NamePattern(text) }
            return out
        }
    }

    struct UnusedRow: Decodable {
        let pattern: String
        let category: String
        let reason: String?
    }

    let convention: String
    let description: String?
    let semantics: ConventionSemantics?
    let rules: [Row]
    let features: [Row]?
    let unused: [UnusedRow]?
    let flags: [String: [String]]?
    let optionalPrefixes: [String]?

    enum CodingKeys: String, CodingKey {
        case convention, description, semantics, rules, features, unused, flags, optionalPrefixes = "optional_prefixes"
    }
}
