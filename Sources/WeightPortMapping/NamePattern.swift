/// A fully anchored tensor-name pattern such as `res{s}_{b}_branch2{k-1:letter}_w`.
///
/// Literal text must match exactly; each `{…}` matches an integer in its spelling. A pattern
/// never matches part of a name, so a rule can never capture a name meant for another.
public struct NamePattern: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case number(PatternExpression)
        /// `*`: any non-empty text; allowed only where a table lists names it leaves unused.
        case wildcard
    }

    /// The parsed pattern, shared: mapping copies patterns (index entries, rules) for every
    /// name it tries, and one reference to retain instead of nine arrays keeps that cheap.
    let storage: Storage
    public var description: String { storage.description }
    var segments: [Segment] { storage.segments }
    var literalBytes: [[UInt8]?] { storage.literalBytes }
    var leading: [UInt8] { storage.leading }
    var trailing: [UInt8] { storage.trailing }
    var slotNames: [String] { storage.slotNames }
    var holes: [Hole] { storage.holes }
    var segmentSlots: [Int] { storage.segmentSlots }
    var stageSlot: Int? { storage.stageSlot }
    var choiceWords: [[Word]] { storage.choiceWords }

    /// A `choice` word and the number it stands for.
    struct Word: Sendable, Equatable {
        let index: Int
        let bytes: [UInt8]
    }

    /// One `{…}` of the pattern, reduced to what matching needs without touching its strings.
    struct Hole: Sendable, Equatable {
        /// Position in `segments`.
        let segment: Int
        /// Position in `slotNames`; -1 when the variable is never bound (a function of a
        /// variable no other segment binds, which then never matches).
        let slot: Int
        let hasFunction: Bool
        let scale: Int
        let offset: Int

        /// `PatternExpression.solve` without the expression.
        func solve(_ found: Int) -> Int? {
            let shifted = found - offset
            guard shifted % scale == 0 else { return nil }
            return shifted / scale
        }
    }

    public init(_ text: String) throws(MappingError) {
        storage = try Storage(text)
    }

    /// Patterns are equal when their text is: everything else is parsed from it.
    public static func == (lhs: NamePattern, rhs: NamePattern) -> Bool {
        lhs.storage === rhs.storage || lhs.description == rhs.description
    }

    /// The pattern's parts and everything derived from them for matching, built once.
    final class Storage: Sendable {
        let segments: [Segment]
        let description: String
        /// The UTF-8 bytes of each literal segment (nil for the others), so that matching a name
        /// against hundreds of patterns allocates nothing until a pattern's literals fit.
        let literalBytes: [[UInt8]?]
        /// Literal text every match starts and ends with: a cheap test that rejects most names.
        let leading: [UInt8]
        let trailing: [UInt8]
        /// The variables the pattern binds, sorted: slot `i` of a match's `SlotValues` is
        /// `slotNames[i]`. A rule's patterns all bind the same variables, so they share slots.
        let slotNames: [String]
        /// Each number segment, in order, with its slot.
        let holes: [Hole]
        /// Each segment's slot in `slotNames`, -1 for literals, wildcards and unbound variables.
        let segmentSlots: [Int]
        /// The slot of `s` (the stage, which the Caffe block spelling depends on), if bound.
        let stageSlot: Int?
        /// Each `choice` segment's words as UTF-8, longest first (empty for the other segments),
        /// so matching neither encodes nor sorts them for every name.
        let choiceWords: [[Word]]

        init(_ text: String) throws(MappingError) {
            description = text
            self.segments = try Storage.segments(text)
            literalBytes = segments.map { if case .literal(let text) = $0 { return Array(text.utf8) } else { return nil } }
            leading = literalBytes.first.flatMap { $0 } ?? []
            trailing = segments.count > 1 ? literalBytes.last.flatMap { $0 } ?? [] : []
            let names = Set(segments.compactMap { if case .number(let e) = $0, e.function == nil { return e.variable } else { return nil } }).sorted()
            var holes: [Hole] = []
            var segmentSlots: [Int] = []
            var choiceWords: [[Word]] = []
            for (index, segment) in segments.enumerated() {
                guard case .number(let e) = segment else {
                    segmentSlots.append(-1)
                    choiceWords.append([])
                    continue
                }
                let slot = names.firstIndex(of: e.variable) ?? -1
                segmentSlots.append(slot)
                holes.append(Hole(segment: index, slot: slot, hasFunction: e.function != nil, scale: e.scale, offset: e.offset))
                if case .choice(let words) = e.spelling {
                    let spelled = words.enumerated().map { Word(index: $0.offset, bytes: Array($0.element.utf8)) }
                    choiceWords.append(spelled.sorted { $0.bytes.count > $1.bytes.count })
                } else {
                    choiceWords.append([])
                }
            }
            guard names.count <= SlotValues.capacity, holes.count <= SlotValues.capacity else {
                throw .invalidPattern("more than \(SlotValues.capacity) numbers in '\(text)'")
            }
            slotNames = names
            self.holes = holes
            self.segmentSlots = segmentSlots
            self.choiceWords = choiceWords
            stageSlot = names.firstIndex(of: "s")
        }

        /// The literal, number and wildcard segments of `text`, scanned as UTF-8 bytes: the
        /// braces and `*` are ASCII, which no byte of a multi-byte character can be, and walking
        /// Characters took most of the tables' pattern parsing (thousands of patterns at start).
        private static func segments(_ text: String) throws(MappingError) -> [Segment] {
            let bytes = Array(text.utf8)
            var segments: [Segment] = []
            var literalStart = 0
            var i = 0
            func literal(upTo end: Int) {
                if end > literalStart { segments.append(.literal(String(decoding: bytes[literalStart..<end], as: UTF8.self))) }
            }
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "{"):
                    guard let close = bytes[i...].firstIndex(of: UInt8(ascii: "}")) else { throw .invalidPattern("unclosed { in '\(text)'") }
                    literal(upTo: i)
                    let expression = try PatternExpression(parsing: String(decoding: bytes[(i + 1)..<close], as: UTF8.self))
                    // `res{s}{b:caffe_block}` is unambiguous; two adjacent decimals (`{a}{b}`) are not.
                    if case .number(let previous) = segments.last, previous.spelling == .decimal, expression.spelling == .decimal {
                        throw .invalidPattern("two numbers without text between them in '\(text)'")
                    }
                    segments.append(.number(expression))
                    i = close + 1
                    literalStart = i
                case UInt8(ascii: "*"):
                    literal(upTo: i)
                    segments.append(.wildcard)
                    i += 1
                    literalStart = i
                case UInt8(ascii: "}"):
                    throw .invalidPattern("stray } in '\(text)'")
                default:
                    i += 1
                }
            }
            literal(upTo: bytes.count)
            return segments
        }
    }

    /// Variables the pattern binds (function expressions only check, they do not bind).
    public var variables: Set<String> {
        Set(segments.compactMap { if case .number(let e) = $0, e.function == nil { return e.variable } else { return nil } })
    }

    /// Variables the pattern mentions in any way.
    public var mentionedVariables: Set<String> {
        Set(segments.compactMap { if case .number(let e) = $0 { return e.variable } else { return nil } })
    }

    /// Whether matching or spelling a name consults the architecture (a `blocks(s)` lookup or
    /// the MSRA block spelling, whose letters turn into `b1…` in deep stages).
    var dependsOnContext: Bool {
        segments.contains { if case .number(let e) = $0 { return e.function != nil || e.spelling == .caffeBlock } else { return false } }
    }

    public var isLiteral: Bool { segments.allSatisfy { if case .literal = $0 { return true } else { return false } } }

    public var hasWildcard: Bool { segments.contains(.wildcard) }

    /// Matches the whole of `name`; returns the variable bindings, or nil.
    /// Function expressions are checked against `context` where it knows them.
    public func match(_ name: String, context: MappingContext) -> [String: Int]? {
        match(bytes: Array(name.utf8), context: context)?.dictionary(names: slotNames)
    }

    /// `match(_:context:)` on a name's UTF-8 bytes, for callers trying many patterns on one name:
    /// the values by slot (`slotNames`), so that a match allocates and hashes nothing.
    func match(bytes: [UInt8], context: MappingContext) -> SlotValues? {
        guard bytes.count >= leading.count + trailing.count,
              bytes.starts(with: leading), bytes[(bytes.count - trailing.count)...].elementsEqual(trailing) else { return nil }
        // The raw number read at each hole, in the order the holes appear.
        var found = SlotValues(count: holes.count)
        let matcher = PatternMatcher(pattern: storage, bytes: bytes)
        guard matcher.match(at: 0, found: &found) else { return nil }
        var values = SlotValues(count: slotNames.count)
        var bound: UInt = 0
        for (ordinal, hole) in holes.enumerated() where !hole.hasFunction {
            guard let solved = hole.solve(found[ordinal]) else { return nil }
            if bound & (1 << hole.slot) != 0 {
                guard values[hole.slot] == solved else { return nil }
            }
            values[hole.slot] = solved
            bound |= 1 << hole.slot
        }
        for (ordinal, hole) in holes.enumerated() where hole.hasFunction {
            guard hole.slot >= 0, bound & (1 << hole.slot) != 0 else { return nil }
            guard case .number(let expression) = segments[hole.segment] else { continue }
            if let expected = try? expression.evaluate(values[hole.slot], context: context), expected != found[ordinal] { return nil }
        }
        return values
    }

    /// The name for `bindings`; throws when a variable is unbound or context is missing.
    public func render(_ bindings: [String: Int], context: MappingContext) throws(MappingError) -> String {
        try render(context: context, stage: bindings["s"]) { _, variable in bindings[variable] }
    }

    /// The name for `values`, slot `i` being variable `names[i]` (another pattern's `slotNames`
    /// of the same rule, which binds the same variables, so normally the same array).
    func render(_ values: SlotValues, names: [String], context: MappingContext) throws(MappingError) -> String {
        if names == slotNames {
            return try render(context: context, stage: stageSlot.map { values[$0] }) { segment, _ in
                segmentSlots[segment] >= 0 ? values[segmentSlots[segment]] : nil
            }
        }
        let stage = names.firstIndex(of: "s").map { values[$0] }
        return try render(context: context, stage: stage) { _, variable in names.firstIndex(of: variable).map { values[$0] } }
    }

    /// `value` gives a number segment's variable value from the segment's index and variable.
    private func render(context: MappingContext, stage: Int?, value: (Int, String) -> Int?) throws(MappingError) -> String {
        var out = ""
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text): out += text
            case .wildcard: throw .invalidPattern("'\(description)' has a wildcard and names no single tensor")
            case .number(let expression):
                guard let bound = value(index, expression.variable) else {
                    throw .invalidPattern("'\(description)' needs {\(expression.variable)}, which the other side does not bind")
                }
                let number = try expression.evaluate(bound, context: context)
                out += try PatternSpelling.spell(number, expression.spelling, stage: stage, context: context)
            }
        }
        return out
    }
}

extension Collection where Element == NamePattern {
    /// Whether any of the patterns matches the whole of `name`. The name's bytes are read once
    /// for all of them: `match(_:context:)` per pattern copies them each time (0.5 ms for a
    /// 354-tensor pickle against the tables' ~40 `unused:` patterns, before a conversion's
    /// first write).
    public func anyMatches(_ name: String, context: MappingContext) -> Bool {
        guard !isEmpty else { return false }
        let bytes = Array(name.utf8)
        return contains { $0.match(bytes: bytes, context: context) != nil }
    }
}
