import WeightPortVocabulary
import Yams

/// The fields of one YAML mapping, read with the types a table expects; every error names the
/// place in the file (`rules[7].where`) and the key.
struct YAMLFields {
    let place: String
    /// Keys in file order.
    let keys: [String]
    private let values: [String: Node]

    init(_ node: Node, at place: String) throws {
        guard case .mapping(let mapping) = node else { throw TableFile.ShapeError(reason: "\(place) must be a mapping") }
        var keys: [String] = []
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = YAMLFields.text(keyNode) else { throw TableFile.ShapeError(reason: "\(place) has a key that is not text") }
            guard values[key] == nil else { throw TableFile.ShapeError(reason: "\(place) repeats the key '\(key)'") }
            keys.append(key)
            values[key] = value
        }
        self.place = place
        self.keys = keys
        self.values = values
    }

    /// Rejects keys outside `known` (a misspelt key would otherwise be ignored).
    func allow(_ known: Set<String>) throws {
        if let stray = keys.first(where: { !known.contains($0) }) {
            throw TableFile.ShapeError(reason: "\(place) has an unknown key '\(stray)' (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    /// The value of `key`, nil when absent or written as null (`~`, `null`, nothing).
    func node(_ key: String) -> Node? {
        guard let value = values[key] else { return nil }
        if case .scalar(let scalar) = value, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            return nil
        }
        return value
    }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw missing(key) }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = node(key) else { return nil }
        guard let text = YAMLFields.text(value) else { throw wrong(key, "text") }
        return text
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let text = try optionalString(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw wrong(key, "true or false")
        }
    }

    /// A vocabulary term; a misspelt one is an error naming the spellings there are and the line.
    func optionalTerm<Term: VocabularyTerm>(_ key: String, as type: Term.Type = Term.self) throws -> Term? {
        guard let text = try optionalString(key) else { return nil }
        do { return try Term.parse(text) } catch { throw TableFile.ShapeError(reason: "\(place).\(key): \(error)\(line(of: key))") }
    }

    /// A list of vocabulary terms (a single value counts as a list of one).
    func terms<Term: VocabularyTerm>(_ key: String, as type: Term.Type = Term.self) throws -> [Term] {
        guard node(key) != nil else { return [] }
        return try strings(key).map { text in
            do { return try Term.parse(text) } catch { throw TableFile.ShapeError(reason: "\(place).\(key): \(error)\(line(of: key))") }
        }
    }

    /// ` (line N)` for the value of `key`, empty when Yams kept no mark.
    func line(of key: String) -> String {
        guard let mark = values[key]?.mark else { return "" }
        return " (line \(mark.line))"
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard let text = try optionalString(key) else { return nil }
        guard let value = Double(text) else { throw wrong(key, "a number") }
        return value
    }

    func list(_ key: String) throws -> [Node] {
        guard let nodes = try optionalList(key) else { throw missing(key) }
        return nodes
    }

    func optionalList(_ key: String) throws -> [Node]? {
        guard let value = node(key) else { return nil }
        guard case .sequence(let sequence) = value else { throw wrong(key, "a list") }
        return Array(sequence)
    }

    /// A list of text values; a single value counts as a list of one.
    func strings(_ key: String) throws -> [String] {
        guard let value = node(key) else { throw missing(key) }
        if let single = YAMLFields.text(value) { return [single] }
        guard case .sequence(let sequence) = value else { throw wrong(key, "a list of text") }
        return try sequence.map { item in
            guard let text = YAMLFields.text(item) else { throw wrong(key, "a list of text") }
            return text
        }
    }

    func integers(_ key: String) throws -> [Int] {
        try strings(key).map { text in
            guard let value = Int(text) else { throw wrong(key, "a list of integers") }
            return value
        }
    }

    func doubles(_ key: String) throws -> [Double] {
        try strings(key).map { text in
            guard let value = Double(text) else { throw wrong(key, "a list of numbers") }
            return value
        }
    }

    /// A rule side: one name (slot `tensor`) or a mapping of slot names to names.
    func slots(_ key: String) throws -> [String: String] {
        guard let value = node(key) else { throw missing(key) }
        if let single = YAMLFields.text(value) { return ["tensor": single] }
        let fields = try YAMLFields(value, at: place + "." + key)
        var out: [String: String] = [:]
        for slot in fields.keys { out[slot] = try fields.string(slot) }
        return out
    }

    private static func text(_ node: Node) -> String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    private func missing(_ key: String) -> TableFile.ShapeError {
        TableFile.ShapeError(reason: "\(place) needs '\(key)'")
    }

    private func wrong(_ key: String, _ expected: String) -> TableFile.ShapeError {
        TableFile.ShapeError(reason: "\(place).\(key) must be \(expected)")
    }
}
