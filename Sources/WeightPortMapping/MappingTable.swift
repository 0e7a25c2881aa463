import Foundation
import WeightPortVocabulary

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
    public let flagPatterns: [ArchitectureFlag: [NamePattern]]
    /// Checkpoint keys this framework's files keep the weights under: its checkpoint layout's,
    /// then any the table lists (`containers:`), e.g. other trainers' `model_state`.
    public let containers: [String]
    /// Prefixes foreign names may carry as a whole (`module.` from DataParallel); never written.
    public let optionalPrefixes: [String]
    /// How to configure this framework to compute what a source computed (`settings:`); nil
    /// when the table declares none (the hub's own names, Caffe).
    public let settings: SettingsTable?
    /// Whether some rule's names depend on stage depths (`blocks(s)-1`, MSRA block spellings),
    /// so that names map differently once the depths are known.
    let namesDependOnDepths: Bool
    /// The rules' foreign and canonical patterns, indexed for matching names.
    let foreignIndex: PatternIndex
    let canonicalIndex: PatternIndex

    /// Parses and validates a table; every problem is reported with the file name.
    public init(yaml text: String, file: String) throws(MappingError) {
        let raw: TableFile
        do {
            raw = try TableFile(yaml: text)
        } catch let error as TableFile.ShapeError {
            throw .invalidTable(file: file, reason: error.reason)
        } catch {
            throw .invalidTable(file: file, reason: "not YAML: " + TableFile.describe(error))
        }
        convention = raw.convention
        description = raw.description ?? ""
        semantics = raw.semantics ?? ConventionSemantics()
        var rules: [MappingRule] = []
        for (i, row) in raw.rules.enumerated() {
            do {
                let rule = try row.rule(index: i + 1)
                try rule.check()
                guard TransformRegistry.transform(named: rule.transform) != nil else {
                    throw MappingError.invalidPattern("rule \(i + 1): unknown transform '\(rule.transform)' (known: \(TransformRegistry.names.joined(separator: ", ")))")
                }
                rules.append(rule)
            } catch let error as MappingError {
                throw .invalidTable(file: file, reason: error.what)
            } catch {
                throw .invalidTable(file: file, reason: "rule \(i + 1): \(error)")
            }
        }
        self.rules = rules
        try MappingTable.checkBackground(semantics.backgroundClass, rules: rules, file: file)
        namesDependOnDepths = rules.contains { rule in
            (Array(rule.foreign.values) + Array(rule.canonical.values)).contains(where: \.dependsOnContext)
        }
        foreignIndex = PatternIndex(rules: rules) { $0.foreign }
        canonicalIndex = PatternIndex(rules: rules) { $0.canonical }
        var features: [MappingRule] = []
        for (i, row) in (raw.features ?? []).enumerated() {
            do {
                let rule = try row.rule(index: i + 1)
                try rule.check()
                guard TransformRegistry.transform(named: rule.transform) != nil else {
                    throw MappingError.invalidPattern("\(rule.label): unknown transform '\(rule.transform)' (known: \(TransformRegistry.names.joined(separator: ", ")))")
                }
                features.append(rule)
            } catch let error as MappingError {
                throw .invalidTable(file: file, reason: "feature " + error.what)
            } catch {
                throw .invalidTable(file: file, reason: "feature \(i + 1): \(error)")
            }
        }
        self.features = features
        optionalPrefixes = raw.optionalPrefixes ?? []
        settings = raw.settings
        containers = [semantics.checkpoint?.containerKey].compactMap { $0 } + (raw.containers ?? [])
        do {
            var flags: [ArchitectureFlag: [NamePattern]] = [:]
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

    /// `background_class` must agree with the predictor rules: `last` exactly when they move the
    /// background row (a table that said `last` but copied predictors as they are would put
    /// every class one row off).
    static func checkBackground(_ declared: BackgroundPosition?, rules: [MappingRule], file: String) throws(MappingError) {
        let moving = rules.filter { TransformRegistry.backgroundLast.contains($0.transform) }
        let predictors = rules.filter { rule in
            rule.canonical.values.contains { $0.description.hasPrefix("roi_heads.box_predictor.cls_score") }
        }
        if let rule = moving.first, declared != .last {
            throw .invalidTable(file: file, reason: "\(rule.label) moves the background class but semantics.background_class is \(declared?.rawValue ?? "not declared") (expected last)")
        }
        if declared == .last, moving.isEmpty, let rule = predictors.first {
            throw .invalidTable(file: file, reason: "semantics.background_class is last but \(rule.label) copies the predictor unchanged (use transform: background_last)")
        }
    }

    /// The canonical feature name for `name` (a recorded activation's key), nil if unknown.
    public func canonicalFeature(_ name: String, context: MappingContext) -> String? {
        featureMatch(name, context: context)?.canonical
    }

    /// The canonical feature `name` records and the transform its `features:` row declares
    /// (`identity` for none): the class-axis move that puts the hub's output into the
    /// framework's own layout (`ActivationLayout`).
    public func featureMatch(_ name: String, context: MappingContext) -> (canonical: String, transform: String)? {
        for rule in features where rule.applies(context) {
            guard let pattern = rule.foreign["tensor"], let bindings = pattern.match(name, context: context),
                  rule.withinBounds(bindings),
                  let canonical = try? rule.canonical["tensor"]?.render(bindings, context: context) else { continue }
            return (canonical, rule.transform)
        }
        return nil
    }

    /// The flags `names` reveal (e.g. `gn` when GroupNorm blobs are present).
    public func flags(revealedBy names: [String]) -> Set<ArchitectureFlag> {
        let empty = MappingContext()
        return Set(flagPatterns.filter { _, patterns in
            names.contains { name in
                let bytes = Array(name.utf8)
                return patterns.contains { $0.match(bytes: bytes, context: empty) != nil }
            }
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
