import Yams

/// Detectron's `cfg` (the YAML text in `model_final.pkl`) as `ConfigValue`s.
///
/// Detectron saved it with PyYAML's full dumper, so real files carry Python tags:
/// `!!python/object/new:detectron.utils.collections.AttrDict` mappings (their keys under
/// `dictitems:`), `!!python/tuple` sequences and, from Python 2, `!!python/unicode` strings.
/// Tags are read leniently, by the node's shape: nothing is constructed, so no tag can run code.
enum YAMLConfigTree {
    /// Deepest nesting read: Yams composes and this reads recursively, so a hostile file could
    /// otherwise exhaust the stack (real cfgs nest 3 levels).
    static let maxDepth = 100

    static func parse(_ text: String) throws(ConfigTextError) -> ConfigValue {
        try checkNesting(text)
        // Yams' default resolver compiles its regular expressions (ICU) on first use, about 5 ms
        // on a conversion's critical path; `resolverTypes` decides the same for the plain scalars
        // `plain` reads as more than text. The tags only matter where a scalar is tagged `str`
        // explicitly (indistinguishable from an untyped one without the resolver), so such text,
        // or text that renames tags, still gets the default resolver.
        let explicitStr = text.contains("!!str") || text.contains("2002:str") || text.contains("%TAG")
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, explicitStr ? .default : .basic)
        } catch {
            throw .malformed(language: "YAML", reason: reason(error), line: line(error))
        }
        return node.map { value($0, resolved: explicitStr) } ?? .dict([])
    }

    /// Flow brackets and indentation bound how deep a YAML document nests; both are checked
    /// before Yams sees the text (brackets inside quotes count too, which only errs on the safe side).
    static func checkNesting(_ text: String) throws(ConfigTextError) {
        var depth = 0, line = 1, indent = 0, atLineStart = true
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\n"): line += 1; indent = 0; atLineStart = true; continue
            case UInt8(ascii: " ") where atLineStart: indent += 1
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
            if byte != UInt8(ascii: " ") { atLineStart = false }
            // Two spaces per block level is the narrowest indentation PyYAML writes.
            guard depth <= maxDepth, indent <= 2 * maxDepth else {
                throw .malformed(language: "YAML", reason: "nested deeper than \(maxDepth) levels", line: line)
            }
        }
    }

    /// `resolved`: composed with the default resolver (plain scalars typed by their tags);
    /// otherwise with the basic one, under which every untagged plain scalar is tagged `str`.
    static func value(_ node: Node, resolved: Bool = true) -> ConfigValue {
        let tag = node.tag.rawValue
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain || tag.contains("python/unicode") || tag.contains("python/str") {
                return .string(scalar.string)
            }
            if tag.hasSuffix(":str") {
                return resolved || !resolverTypes(scalar.string) ? .string(scalar.string) : plain(scalar.string)
            }
            return plain(scalar.string)
        case .sequence(let sequence):
            let items = sequence.map { value($0, resolved: resolved) }
            return tag.contains("python/tuple") ? .tuple(items) : .list(items)
        case .mapping(let mapping):
            var entries: [ConfigValue.Entry] = []
            for (key, child) in mapping {
                entries.append(.init(key: key.scalar?.string ?? value(key, resolved: resolved).description,
                                     value: value(child, resolved: resolved)))
            }
            let object = ConfigValue.dict(entries)
            // A pickled Python object: its dict items are the config (`state:` is bookkeeping).
            if tag.contains("python/object"), let items = object["dictitems"] { return items }
            return object
        case .alias:
            return .opaque("*alias")
        }
    }

    /// A plain scalar as YAML 1.1 (PyYAML) resolves it: bools, nulls, ints, floats, else text.
    static func plain(_ text: String) -> ConfigValue {
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "", "~", "null", "Null", "NULL": return .none
        default: break
        }
        if let int = Int(text) { return .int(int) }
        let lower = text.lowercased()
        if lower == ".inf" || lower == "+.inf" { return .float(.infinity) }
        if lower == "-.inf" { return .float(-.infinity) }
        if lower == ".nan" { return .float(.nan) }
        if text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true,
           !lower.contains("n"), !lower.contains("x"), let number = Double(text) {
            return .float(number)
        }
        return .string(text)
    }

    /// Whether Yams' default resolver tags the plain scalar `text` bool, null, int or float,
    /// decided without its regular expressions for every text `plain` reads as more than text
    /// (for the rest either answer gives text): the spellings its rules list, any integer, and
    /// decimal floats, except those starting with a point after a sign or with an unsigned
    /// exponent (`+.5`, `.5e3`), which its float rule does not take.
    static func resolverTypes(_ text: String) -> Bool {
        switch text {
        case "true", "True", "TRUE", "false", "False", "FALSE", "", "~", "null", "Null", "NULL",
             ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            return true
        default: break
        }
        if Int(text) != nil { return true }
        if text.lowercased().contains("n") { return false }   // `.iNf`, `+.nan`: `plain` reads them, the rules do not
        var body = Substring(text)
        let signed = body.first == "+" || body.first == "-"
        if signed { body = body.dropFirst() }
        guard body.first == "." else { return true }   // a digit first: the float rule's first form
        if signed { return false }
        guard let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return true }
        let afterE = body[body.index(after: e)...]
        return afterE.first == "+" || afterE.first == "-"
    }

    static func reason(_ error: Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
            default: break
            }
        }
        return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
    }

    static func line(_ error: Error) -> Int {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
            default: break
            }
        }
        return 0
    }
}
