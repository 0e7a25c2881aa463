import WeightPortVocabulary
import Yams

/// What a conversion must know of the tables before they are parsed: the checkpoint keys that
/// hold weights, and the names the tables leave unused on purpose (optimizer state, bookkeeping).
///
/// Why: a conversion starts writing the source's large tensors as soon as the source is parsed
/// (`StreamedOutput`), and must not write optimizer state a model never uses (a Detectron
/// `model_final.pkl` holds a momentum blob beside every weight, as large). Parsing the nine
/// tables takes ~11 ms of CPU, ending well after a 250 MB pickle's structure is read; these two
/// facts are read from the tables' text in about a millisecond (perf, `mappings list`: 5% of its
/// ~19 ms of CPU, much of it first-use costs of Yams and the runtime that the parse then skips).
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
                if let block = blocks["semantics"], let key = try checkpointLayout(in: block)?.containerKey {
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

    /// Whether some table leaves `name` unused on purpose.
    public func isUnused(_ name: String, context: MappingContext) -> Bool {
        unusedPatterns.anyMatches(name, context: context)
    }

    private init(containerKeys: [String], unusedPatterns: [NamePattern]) {
        self.containerKeys = containerKeys
        self.unusedPatterns = unusedPatterns
    }

    /// `key:` blocks at the top level: from the line starting with the key to the next line
    /// that starts another top-level key. Scans bytes: splitting the tables' 90 KB of text
    /// into `Substring` lines took longer than composing the blocks.
    static func topLevelBlocks(_ text: String, keys: Set<String>) -> [String: String] {
        let bytes = Array(text.utf8)
        var blocks: [String: String] = [:]
        var current: (key: String, start: Int)?
        var lineStart = 0
        func close(at end: Int) {
            guard let open = current else { return }
            var stop = end
            if stop > open.start && bytes[stop - 1] == UInt8(ascii: "\n") { stop -= 1 }
            blocks[open.key] = String(decoding: bytes[open.start..<stop], as: UTF8.self)
        }
        while lineStart < bytes.count {
            let first = bytes[lineStart]
            if first != UInt8(ascii: " "), first != UInt8(ascii: "-"), first != UInt8(ascii: "#"), first != UInt8(ascii: "\n") {
                var colon = lineStart
                while colon < bytes.count, bytes[colon] != UInt8(ascii: ":"), bytes[colon] != UInt8(ascii: "\n") { colon += 1 }
                if colon < bytes.count, bytes[colon] == UInt8(ascii: ":") {
                    close(at: lineStart)
                    let key = String(decoding: bytes[lineStart..<colon], as: UTF8.self)
                    current = keys.contains(key) ? (key, lineStart) : nil
                }
            }
            while lineStart < bytes.count, bytes[lineStart] != UInt8(ascii: "\n") { lineStart += 1 }
            lineStart += 1
        }
        close(at: bytes.count)
        return blocks
    }

    /// `semantics.checkpoint` read from its line (composing the whole `semantics:` block took
    /// most of the preview's time): a child line `checkpoint: <word>`, a trailing comment
    /// allowed. Anything else it cannot read throws, and the preview is not made.
    static func checkpointLayout(in block: String) throws -> CheckpointLayout? {
        for line in block.split(separator: "\n") where line.first == " " {
            let content = line.drop { $0 == " " }
            guard content.hasPrefix("checkpoint:") else { continue }
            var value = content.dropFirst("checkpoint:".count)
            if let hash = value.firstIndex(of: "#") { value = value[..<hash] }
            let word = value.drop { $0 == " " }.reversed().drop { $0 == " " || $0 == "\r" }.reversed()
            return try CheckpointLayout.parse(String(word))
        }
        return nil
    }

    private static func compose(_ text: String) throws -> Node? {
        try Yams.compose(yaml: text, .basic)
    }
}
