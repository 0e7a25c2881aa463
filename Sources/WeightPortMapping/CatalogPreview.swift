import WeightPortVocabulary
import Yams

/// What a conversion must know of the tables before they are parsed: the checkpoint keys that
/// hold weights, and the names the tables leave unused on purpose (optimizer state, bookkeeping).
///
/// Why: a conversion starts writing the source's large tensors as soon as the source is parsed
/// (`StreamedOutput`), and must not write optimizer state a model never uses (a Detectron
/// `model_final.pkl` holds a momentum blob beside every weight, as large). Parsing the nine
/// tables takes ~11 ms of CPU, ending well after a 250 MB pickle's structure is read; these two
/// facts are read from the tables' text in well under a millisecond.
public struct CatalogPreview: Sendable {
    /// As `MappingCatalog.containerKeys`.
    public let containerKeys: [String]
    /// Every table's `unused` patterns.
    public let unusedPatterns: [NamePattern]

    /// The facts of parsed tables.
    public init(_ catalog: MappingCatalog) {
        containerKeys = catalog.containerKeys
        unusedPatterns = catalog.tables.flatMap { $0.unused.map(\.pattern) }
    }

    /// The facts read from the tables' YAML texts without parsing the rest: only the top-level
    /// `semantics:` (its `checkpoint`), `containers:` and `unused:` blocks are composed. Nil when
    /// any of those does not read (the caller then waits for the parsed tables).
    public static func quick(_ texts: [String]) -> CatalogPreview? {
        var containers: [String] = []
        var unused: [NamePattern] = []
        do {
            for text in texts {
                let blocks = topLevelBlocks(text, keys: ["semantics", "containers", "unused"])
                if let node = try blocks["semantics"].flatMap(compose), let semantics = try YAMLFields(node, at: "the table").node("semantics"),
                   let layout = try YAMLFields(semantics, at: "semantics").optionalTerm("checkpoint", as: CheckpointLayout.self),
                   let key = layout.containerKey {
                    containers.append(key)
                }
                if let node = try blocks["containers"].flatMap(compose) {
                    containers += try YAMLFields(node, at: "containers").strings("containers")
                }
                if let node = try blocks["unused"].flatMap(compose) {
                    for row in try YAMLFields(node, at: "unused").optionalList("unused") ?? [] {
                        unused.append(try NamePattern(try YAMLFields(row, at: "unused").string("pattern")))
                    }
                }
            }
        } catch {
            return nil
        }
        var seen = Set<String>()
        return CatalogPreview(containerKeys: containers.filter { seen.insert($0).inserted }, unusedPatterns: unused)
    }

    private init(containerKeys: [String], unusedPatterns: [NamePattern]) {
        self.containerKeys = containerKeys
        self.unusedPatterns = unusedPatterns
    }

    /// `key:` blocks at the top level: from the line starting with the key to the next line
    /// that starts another top-level key.
    static func topLevelBlocks(_ text: String, keys: Set<String>) -> [String: String] {
        var blocks: [String: String] = [:]
        var current: String?
        var lines: [Substring] = []
        func close() {
            if let current { blocks[current] = lines.joined(separator: "\n") }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first != " ", first != "-", first != "#", let colon = line.firstIndex(of: ":") {
                close()
                let key = String(line[..<colon])
                current = keys.contains(key) ? key : nil
                lines = []
            }
            if current != nil { lines.append(line) }
        }
        close()
        return blocks
    }

    private static func compose(_ text: String) throws -> Node? {
        try Yams.compose(yaml: text, .basic)
    }
}
