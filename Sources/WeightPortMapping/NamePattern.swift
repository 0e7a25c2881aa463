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

    let segments: [Segment]
    public let description: String
    /// The UTF-8 bytes of each literal segment (nil for the others), so that matching a name
    /// against hundreds of patterns allocates nothing until a pattern's literals fit.
    let literalBytes: [[UInt8]?]
    /// Literal text every match starts and ends with: a cheap test that rejects most names.
    let leading: [UInt8]
    let trailing: [UInt8]

    public init(_ text: String) throws(MappingError) {
        description = text
        var segments: [Segment] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c == "{" {
                guard let close = text[index...].firstIndex(of: "}") else { throw .invalidPattern("unclosed { in '\(text)'") }
                if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
                let expression = try PatternExpression(parsing: String(text[text.index(after: index)..<close]))
                // `res{s}{b:caffe_block}` is unambiguous; two adjacent decimals (`{a}{b}`) are not.
                if case .number(let previous) = segments.last, previous.spelling == .decimal, expression.spelling == .decimal {
                    throw .invalidPattern("two numbers without text between them in '\(text)'")
                }
                segments.append(.number(expression))
                index = text.index(after: close)
            } else if c == "*" {
                if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
                segments.append(.wildcard)
                index = text.index(after: index)
            } else {
                guard c != "}" else { throw .invalidPattern("stray } in '\(text)'") }
                literal.append(c)
                index = text.index(after: index)
            }
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
        literalBytes = segments.map { if case .literal(let text) = $0 { return Array(text.utf8) } else { return nil } }
        leading = literalBytes.first.flatMap { $0 } ?? []
        trailing = segments.count > 1 ? literalBytes.last.flatMap { $0 } ?? [] : []
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
        match(bytes: Array(name.utf8), context: context)
    }

    /// `match(_:context:)` on a name's UTF-8 bytes, for callers trying many patterns on one name.
    func match(bytes: [UInt8], context: MappingContext) -> [String: Int]? {
        guard bytes.count >= leading.count + trailing.count,
              bytes.starts(with: leading), bytes[(bytes.count - trailing.count)...].elementsEqual(trailing) else { return nil }
        var found: [(PatternExpression, Int)] = []
        let matcher = PatternMatcher(segments: segments, literals: literalBytes, bytes: bytes)
        guard matcher.match(segment: 0, at: 0, found: &found) else { return nil }
        var bindings: [String: Int] = [:]
        for (expression, value) in found where expression.function == nil {
            guard let solved = expression.solve(value) else { return nil }
            if let previous = bindings[expression.variable], previous != solved { return nil }
            bindings[expression.variable] = solved
        }
        for (expression, value) in found where expression.function != nil {
            guard let bound = bindings[expression.variable] else { return nil }
            if let expected = try? expression.evaluate(bound, context: context), expected != value { return nil }
        }
        return bindings
    }

    /// The name for `bindings`; throws when a variable is unbound or context is missing.
    public func render(_ bindings: [String: Int], context: MappingContext) throws(MappingError) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .wildcard: throw .invalidPattern("'\(description)' has a wildcard and names no single tensor")
            case .number(let expression):
                guard let value = bindings[expression.variable] else {
                    throw .invalidPattern("'\(description)' needs {\(expression.variable)}, which the other side does not bind")
                }
                let number = try expression.evaluate(value, context: context)
                out += try PatternSpelling.spell(number, expression.spelling, stage: bindings["s"], context: context)
            }
        }
        return out
    }
}
