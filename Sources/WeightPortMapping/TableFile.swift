import WeightPortVocabulary
import Yams

/// The YAML shape of a table file, read from the node tree.
///
/// Read by hand rather than through `Decodable`: Yams' decoder and its default tag resolver
/// (regular expressions on every scalar) took about 4 ms per table, paid by every command
/// before it starts. Unknown keys are errors, so a misspelt `wher:` cannot silently drop bounds.
struct TableFile {
    /// What is wrong with the file's shape, with where (`rules[7].where`).
    struct ShapeError: Error {
        let reason: String
    }

    struct Row {
        let canonical: [String: String]
        let foreign: [String: String]
        let transform: String?
        let bounds: [String: [Int]]
        let when: [ArchitectureFlag]
        let unless: [ArchitectureFlag]
        let tableConditions: [MappingRule.TableCondition]

        func rule(index: Int) throws -> MappingRule {
            var ranges: [String: ClosedRange<Int>] = [:]
            for (variable, pair) in bounds {
                guard pair.count == 2, pair[0] <= pair[1] else {
                    throw MappingError.invalidPattern("rule \(index): bounds of \(variable) must be [low, high]")
                }
                ranges[variable] = pair[0]...pair[1]
            }
            var rule = MappingRule(canonical: try patterns(canonical), foreign: try patterns(foreign),
                                   transform: transform ?? "identity", bounds: ranges,
                                   when: Set(when), unless: Set(unless), index: index)
            rule.tableConditions = tableConditions
            return rule
        }

        private func patterns(_ slots: [String: String]) throws -> [String: NamePattern] {
            var out: [String: NamePattern] = [:]
            for (slot, text) in slots { out[slot] = try NamePattern(text) }
            return out
        }
    }

    struct UnusedRow {
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
    let flags: [ArchitectureFlag: [String]]?
    let optionalPrefixes: [String]?
    let containers: [String]?
    let settings: SettingsTable?

    init(yaml text: String) throws {
        // The basic resolver tags every scalar as a string; numbers are parsed where expected.
        guard let root = try Yams.compose(yaml: text, .basic) else { throw ShapeError(reason: "the file is empty") }
        let top = try YAMLFields(root, at: "the table")
        try top.allow(["convention", "description", "semantics", "heads", "rules", "features", "unused", "flags",
                       "optional_prefixes", "containers", "settings"])
        convention = try top.string("convention")
        description = try top.optionalString("description")
        var semantics = try top.node("semantics").map { try TableFile.semantics($0) }
        if let heads = try top.node("heads").map({ try TableFile.heads($0) }) {
            semantics = semantics ?? ConventionSemantics()
            semantics?.heads = heads
        }
        self.semantics = semantics
        rules = try top.list("rules").enumerated().map { try TableFile.row($1, at: "rules[\($0 + 1)]") }
        features = try top.optionalList("features")?.enumerated().map { try TableFile.row($1, at: "features[\($0 + 1)]") }
        unused = try top.optionalList("unused")?.enumerated().map { i, node in
            let fields = try YAMLFields(node, at: "unused[\(i + 1)]")
            try fields.allow(["pattern", "category", "reason"])
            return UnusedRow(pattern: try fields.string("pattern"), category: try fields.string("category"),
                             reason: try fields.optionalString("reason"))
        }
        flags = try top.node("flags").map { node in
            let fields = try YAMLFields(node, at: "flags")
            var out: [ArchitectureFlag: [String]] = [:]
            for key in fields.keys {
                do { out[try ArchitectureFlag.parse(key)] = try fields.strings(key) } catch let error as VocabularyError {
                    throw ShapeError(reason: "flags: \(error)\(fields.line(of: key))")
                }
            }
            return out
        }
        optionalPrefixes = try top.node("optional_prefixes").map { _ in try top.strings("optional_prefixes") }
        containers = try top.node("containers").map { _ in try top.strings("containers") }
        settings = try top.node("settings").map { try SettingsTable.decode($0) }
    }

    /// One line for a YAML syntax error, with its line and column (Yams' own description
    /// quotes the offending lines, which would break the one-line error contract).
    static func describe(_ error: Error) -> String {
        guard let yaml = error as? YamlError else {
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
        switch yaml {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "repeated key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the mapping at line \(context.mark.line)"
        case .reader(let problem, let offset, _, _):
            return problem + (offset.map { " at character \($0)" } ?? "")
        default:
            return String(describing: yaml).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    static func row(_ node: Node, at place: String) throws -> Row {
        let fields = try YAMLFields(node, at: place)
        try fields.allow(["canonical", "foreign", "transform", "where", "when", "unless", "if_in", "unless_in"])
        var conditions: [MappingRule.TableCondition] = []
        for (key, listed) in [("if_in", true), ("unless_in", false)] {
            guard let node = fields.node(key) else { continue }
            let condition = try YAMLFields(node, at: place + "." + key)
            for table in condition.keys {
                conditions.append(.init(table: table, variable: try condition.string(table), listed: listed))
            }
        }
        var bounds: [String: [Int]] = [:]
        if let node = fields.node("where") {
            let bound = try YAMLFields(node, at: place + ".where")
            for key in bound.keys { bounds[key] = try bound.integers(key) }
        }
        return Row(canonical: try fields.slots("canonical"), foreign: try fields.slots("foreign"),
                   transform: try fields.optionalString("transform"), bounds: bounds,
                   when: try fields.terms("when"), unless: try fields.terms("unless"), tableConditions: conditions)
    }

    static func heads(_ node: Node) throws -> HeadSemantics {
        let fields = try YAMLFields(node, at: "heads")
        typealias Key = HeadSemantics.CodingKeys
        try fields.allow(Set(Key.allCases.map(\.rawValue)))
        var h = HeadSemantics()
        h.roiAlign = try fields.optionalTerm(Key.roiAlign.rawValue)
        h.levelRule = try fields.optionalTerm(Key.levelRule.rawValue)
        h.keypointUpsampling = try fields.optionalTerm(Key.keypointUpsampling.rawValue)
        h.rpnActivation = try fields.optionalTerm(Key.rpnActivation.rawValue)
        h.canonicalScale = try fields.optionalDouble(Key.canonicalScale.rawValue)
        h.canonicalLevel = try fields.optionalDouble(Key.canonicalLevel.rawValue).map { Int($0) }
        h.agnosticBoxRows = try fields.optionalDouble(Key.agnosticBoxRows.rawValue).map { Int($0) }
        h.maskDilation = try fields.optionalDouble(Key.maskDilation.rawValue).map { Int($0) }
        for key in [Key.box, .mask, .keypoint, .c4, .c4Mask] {
            guard let value = fields.node(key.rawValue) else { continue }
            let pooler = try YAMLFields(value, at: "heads." + key.rawValue)
            try pooler.allow(["resolution", "sampling_ratio"])
            guard let resolution = try pooler.optionalDouble("resolution"), let ratio = try pooler.optionalDouble("sampling_ratio") else {
                throw ShapeError(reason: "heads.\(key.rawValue) needs resolution and sampling_ratio\(fields.line(of: key.rawValue))")
            }
            let spec = HeadSemantics.Pooler(resolution: Int(resolution), samplingRatio: Int(ratio))
            switch key {
            case .box: h.box = spec
            case .mask: h.mask = spec
            case .keypoint: h.keypoint = spec
            case .c4Mask: h.c4Mask = spec
            default: h.c4 = spec
            }
        }
        return h
    }

    static func semantics(_ node: Node) throws -> ConventionSemantics {
        let fields = try YAMLFields(node, at: "semantics")
        typealias Key = ConventionSemantics.CodingKeys
        try fields.allow(Set(Key.allCases.map(\.rawValue).filter { $0 != Key.heads.rawValue }))
        var s = ConventionSemantics()
        s.strideInFirst1x1 = try fields.optionalBool(Key.strideInFirst1x1.rawValue)
        s.pool1 = try fields.optionalTerm(Key.pool1.rawValue)
        s.stemConvBias = try fields.optionalTerm(Key.stemConvBias.rawValue)
        s.norm = try fields.optionalTerm(Key.norm.rawValue)
        s.normEps = try fields.optionalDouble(Key.normEps.rawValue)
        s.inputChannels = try fields.optionalTerm(Key.inputChannels.rawValue)
        s.pixelScale = try fields.optionalDouble(Key.pixelScale.rawValue)
        s.pixelMean = try fields.node(Key.pixelMean.rawValue).map { _ in try fields.doubles(Key.pixelMean.rawValue) }
        s.pixelStd = try fields.node(Key.pixelStd.rawValue).map { _ in try fields.doubles(Key.pixelStd.rawValue) }
        s.backgroundClass = try fields.optionalTerm(Key.backgroundClass.rawValue)
        s.checkpoint = try fields.optionalTerm(Key.checkpoint.rawValue)
        s.pickle = try fields.optionalTerm(Key.pickle.rawValue)
        s.groupNorm = try fields.optionalBool(Key.groupNorm.rawValue)
        return s
    }
}
