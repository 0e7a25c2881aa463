/// One side of a table's rule patterns, indexed by the literal text each pattern starts with.
///
/// Mapping tries every name against every rule; the index narrows that to the patterns whose
/// leading literal the name begins with, which keeps detection (every table, every name) cheap.
struct PatternIndex: Sendable {
    /// One pattern of one rule: `rule` is the rule's position in the table's `rules`.
    struct Entry: Sendable {
        let rule: Int
        let slot: String
        let pattern: NamePattern
    }

    /// A trie node over leading-literal bytes; `entries` are the patterns whose literal ends here.
    struct Node: Sendable {
        var children: [UInt8: Int] = [:]
        var entries: [Int] = []
    }

    let entries: [Entry]
    private var nodes: [Node] = [Node()]

    init(rules: [MappingRule], side: (MappingRule) -> [String: NamePattern]) {
        var entries: [Entry] = []
        for (position, rule) in rules.enumerated() {
            for (slot, pattern) in side(rule).sorted(by: { $0.key < $1.key }) {
                entries.append(Entry(rule: position, slot: slot, pattern: pattern))
            }
        }
        self.entries = entries
        for (i, entry) in entries.enumerated() { insert(i, leading: entry.pattern.leading) }
    }

    private mutating func insert(_ entry: Int, leading: [UInt8]) {
        var node = 0
        for byte in leading {
            if let next = nodes[node].children[byte] {
                node = next
            } else {
                nodes.append(Node())
                nodes[node].children[byte] = nodes.count - 1
                node = nodes.count - 1
            }
        }
        nodes[node].entries.append(entry)
    }

    /// Positions in `entries` of the patterns whose leading literal `bytes` starts with, in table order.
    func candidates(_ bytes: [UInt8]) -> [Int] {
        var found = nodes[0].entries
        var node = 0
        for byte in bytes {
            guard let next = nodes[node].children[byte] else { break }
            node = next
            found += nodes[node].entries
        }
        return found.sorted()
    }
}
