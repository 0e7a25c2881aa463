/// Backtracking matcher over a pattern's segments (names are short, patterns have few holes).
struct PatternMatcher {
    let pattern: NamePattern.Storage
    let bytes: [UInt8]

    /// Matches from `segment` on at `position`; `hole` counts the number segments before it,
    /// and `found[hole]` receives the raw number read there.
    func match(segment: Int = 0, at position: Int, hole: Int = 0, found: inout SlotValues) -> Bool {
        let segments = pattern.segments
        if segment == segments.count { return position == bytes.count }
        switch segments[segment] {
        case .literal:
            let literal = pattern.literalBytes[segment] ?? []
            guard position + literal.count <= bytes.count,
                  bytes[position..<position + literal.count].elementsEqual(literal) else { return false }
            return match(segment: segment + 1, at: position + literal.count, hole: hole, found: &found)
        case .wildcard:
            var end = bytes.count
            while end > position {
                if match(segment: segment + 1, at: end, hole: hole, found: &found) { return true }
                end -= 1
            }
            return false
        case .number(let expression):
            if case .choice = expression.spelling {
                // Longest first, as `PatternSpelling.candidates` reads them.
                for word in pattern.choiceWords[segment] {
                    let end = position + word.bytes.count
                    guard end <= bytes.count, bytes[position..<end].elementsEqual(word.bytes) else { continue }
                    found[hole] = word.index
                    if match(segment: segment + 1, at: end, hole: hole + 1, found: &found) { return true }
                }
                return false
            }
            for (value, end) in PatternSpelling.candidates(bytes, from: position, expression.spelling) {
                found[hole] = value
                if match(segment: segment + 1, at: end, hole: hole + 1, found: &found) { return true }
            }
            return false
        }
    }
}

/// How integers are written inside names, both ways.
enum PatternSpelling {
    /// Every (value, end) reading of a number starting at `position`, longest first.
    static func candidates(_ bytes: [UInt8], from position: Int, _ spelling: PatternExpression.Spelling) -> [(Int, Int)] {
        switch spelling {
        case .decimal:
            return digitRuns(bytes, from: position)
        case .letter:
            guard position < bytes.count, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[position]) else { return [] }
            return [(Int(bytes[position] - UInt8(ascii: "a")), position + 1)]
        case .choice(let words):
            return words.enumerated().compactMap { index, word in
                let w = Array(word.utf8)
                guard position + w.count <= bytes.count, bytes[position..<position + w.count].elementsEqual(w) else { return nil }
                return (index, position + w.count)
            }.sorted { $0.1 > $1.1 }
        case .caffeBlock:
            guard position < bytes.count else { return [] }
            let c = bytes[position]
            var out: [(Int, Int)] = []
            if c == UInt8(ascii: "b") {
                out += digitRuns(bytes, from: position + 1).filter { $0.0 >= 1 }
            }
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) { out.append((Int(c - UInt8(ascii: "a")), position + 1)) }
            return out
        }
    }

    /// Decimal readings without leading zeros (so `res2_01` never matches `{b}`), longest first.
    static func digitRuns(_ bytes: [UInt8], from position: Int) -> [(Int, Int)] {
        var end = position
        while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]), end - position < 9 { end += 1 }
        guard end > position else { return [] }
        if bytes[position] == UInt8(ascii: "0") { return [(0, position + 1)] }
        var out: [(Int, Int)] = []
        var stop = end
        while stop > position {
            let value = bytes[position..<stop].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            out.append((value, stop))
            stop -= 1
        }
        return out
    }

    static func spell(_ value: Int, _ spelling: PatternExpression.Spelling, stage: Int?, context: MappingContext) throws(MappingError) -> String {
        switch spelling {
        case .decimal: return String(value)
        case .letter:
            guard (0..<26).contains(value) else { throw .invalidPattern("\(value) has no letter") }
            return String(UnicodeScalar(UInt8(ascii: "a") + UInt8(value)))
        case .choice(let words):
            guard words.indices.contains(value) else { throw .invalidPattern("no word for \(value) in \(words)") }
            return words[value]
        case .caffeBlock:
            if value == 0 { return "a" }
            if let stage, context.caffeNumberedStages.contains(stage) { return "b\(value)" }
            guard value < 26 else { throw .invalidPattern("block \(value) has no letter") }
            return String(UnicodeScalar(UInt8(ascii: "a") + UInt8(value)))
        }
    }
}
