/// Reads the tokens of mmdetection config text into values, by structure alone.
///
/// An expression is read as a run of atoms (names, literals, bracket groups, calls) and
/// operators up to a `,`, closing bracket, `:` or end of statement. A run of exactly one
/// literal, `dict(...)` call or bracket group is that value (a sign before a number and
/// adjacent strings are folded as Python folds them); any other run is `.opaque` with its text.
/// So `2 * 7`, `norm_cfg`, `f'{x}'` and `build(x)` are opaque, never errors and never run.
struct PythonConfigParser {
    typealias Token = PythonConfigLexer.Token

    private let tokens: [Token]
    private let source: [UInt8]
    private var position = 0
    /// Open groups being read: the reading recurses, so a file cannot nest deeper than this
    /// (real configs nest under 10 levels).
    private var depth = 0
    static let maxDepth = 100

    static func assignments(in text: String) throws(ConfigTextError) -> [PythonConfig.Assignment] {
        var parser = PythonConfigParser(tokens: try PythonConfigLexer.tokens(text), source: Array(text.utf8))
        return try parser.statements()
    }

    private init(tokens: [Token], source: [UInt8]) {
        self.tokens = tokens
        self.source = source
    }

    private var current: Token { tokens[position] }

    private func isOp(_ op: String, at offset: Int = 0) -> Bool {
        let i = position + offset
        guard i < tokens.count, case .op(let o) = tokens[i].kind else { return false }
        return o == op
    }

    private var atStatementEnd: Bool { current.kind == .newline || current.kind == .end }

    private mutating func statements() throws(ConfigTextError) -> [PythonConfig.Assignment] {
        var out: [PythonConfig.Assignment] = []
        while current.kind != .end {
            if current.kind == .newline { position += 1; continue }
            // Only unindented `name = value` is a top-level setting; indented lines belong to
            // blocks (`with read_base():`, `if …:`) whose meaning needs execution.
            if case .name(let name) = current.kind, current.column == 0, isOp("=", at: 1) {
                let line = current.line
                position += 2
                guard !atStatementEnd else {
                    throw .malformed(language: "Python", reason: "'\(name) =' has no value", line: line)
                }
                let value = try expressionList()
                if atStatementEnd {
                    out.append(.init(name: name, value: value, line: line))
                    continue
                }
            }
            skipStatement()
        }
        return out
    }

    /// Skips to the next statement (brackets are balanced: the lexer emits no newline in them).
    private mutating func skipStatement() {
        while !atStatementEnd { position += 1 }
    }

    /// `a, b` without brackets is a tuple, as in Python.
    private mutating func expressionList() throws(ConfigTextError) -> ConfigValue {
        let first = try expression()
        guard isOp(",") else { return first }
        var items = [first]
        while isOp(",") {
            position += 1
            if atStatementEnd || isClosing { break }
            items.append(try expression())
        }
        return .tuple(items)
    }

    private var isClosing: Bool { isOp(")") || isOp("]") || isOp("}") }

    private var atExpressionEnd: Bool {
        atStatementEnd || isClosing || isOp(",") || isOp(":") || isOp("=")
    }

    /// One expression: a single value, or `.opaque` with the text of the whole run.
    private mutating func expression() throws(ConfigTextError) -> ConfigValue {
        let first = position
        var units: [ConfigValue?] = []   // nil: an operator
        while !atExpressionEnd {
            if case .op(let op) = current.kind, !["(", "[", "{"].contains(op) {
                position += 1
                units.append(nil)
                // Keyword-like names (`lambda`, `not`) and operators all just make the run opaque.
                continue
            }
            units.append(try atom())
        }
        guard position > first else {
            throw .malformed(language: "Python", reason: "a value is missing", line: current.line)
        }
        if units.count == 1, let only = units[0] { return only }
        if units.count == 2, units[0] == nil, let number = units[1], number.double != nil,
           case .op(let sign) = tokens[first].kind, sign == "-" || sign == "+" {
            if sign == "+" { return number }
            if case .int(let i) = number { return .int(-i) }
            return .float(-(number.double ?? 0))
        }
        if units.count > 1, case .string = tokens[first].kind, units.allSatisfy({ $0?.string != nil }) {
            let pieces = units.compactMap { $0?.string }
            if tokens[first..<position].allSatisfy({ if case .string = $0.kind { true } else { false } }) {
                return .string(pieces.joined())
            }
        }
        return .opaque(text(from: first))
    }

    /// A name, literal, bracket group or call.
    private mutating func atom() throws(ConfigTextError) -> ConfigValue {
        let token = current
        guard depth < Self.maxDepth else {
            throw .malformed(language: "Python", reason: "values nested deeper than \(Self.maxDepth) levels", line: token.line)
        }
        depth += 1
        defer { depth -= 1 }
        position += 1
        switch token.kind {
        case .number(let value): return value
        case .string(let s): return .string(s)
        case .formatString: return .opaque(text(from: position - 1))
        case .name(let name):
            if isOp("(") {
                return name == "dict" ? try dictCall(from: position - 1) : try group(from: position - 1, opaque: true)
            }
            switch name {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default: return .opaque(name)
            }
        case .op:
            position -= 1
            return try group(from: position, opaque: false)
        case .newline, .end:
            throw .malformed(language: "Python", reason: "a value is missing", line: token.line)
        }
    }

    /// `dict(key=value, …)`; positional arguments or `**` unpacking make the whole call opaque.
    private mutating func dictCall(from start: Int) throws(ConfigTextError) -> ConfigValue {
        position += 1   // (
        var entries: [ConfigValue.Entry] = []
        while !isOp(")") {
            guard case .name(let key) = current.kind, isOp("=", at: 1) else {
                skipGroup()
                return .opaque(text(from: start))
            }
            position += 2
            entries.append(.init(key: key, value: try expression()))
            if isOp(",") { position += 1 } else if !isOp(")") { skipGroup(); return .opaque(text(from: start)) }
        }
        position += 1
        return .dict(entries)
    }

    /// A `(…)`, `[…]` or `{…}` group starting at `start` (a call's name, or the bracket itself).
    /// With `opaque`, the group is read only to find its end (a call other than `dict`).
    private mutating func group(from start: Int, opaque: Bool) throws(ConfigTextError) -> ConfigValue {
        guard case .op(let open) = current.kind else {
            throw .malformed(language: "Python", reason: "a value is missing", line: current.line)
        }
        position += 1
        if opaque { skipGroup(); return .opaque(text(from: start)) }
        var items: [ConfigValue] = []
        var entries: [ConfigValue.Entry] = []
        var trailingComma = false
        while !isClosing {
            // Unpacking and sets need evaluation or have no data shape here.
            if isOp("*") || isOp("**") { skipGroup(); return .opaque(text(from: start)) }
            let item = try expression()
            if open == "{" {
                guard isOp(":") else { skipGroup(); return .opaque(text(from: start)) }
                position += 1
                entries.append(.init(key: item.string ?? item.description, value: try expression()))
            } else {
                items.append(item)
            }
            trailingComma = isOp(",")
            if trailingComma { position += 1 } else if !isClosing { skipGroup(); return .opaque(text(from: start)) }
        }
        position += 1
        switch open {
        case "[": return .list(items)
        case "{": return .dict(entries)
        default: return items.count == 1 && !trailingComma ? items[0] : .tuple(items)
        }
    }

    /// Moves past the closing bracket of the group the parser is inside.
    private mutating func skipGroup() {
        var depth = 0
        while current.kind != .end {
            if isOp("(") || isOp("[") || isOp("{") { depth += 1 }
            if isClosing {
                if depth == 0 { position += 1; return }
                depth -= 1
            }
            position += 1
        }
    }

    /// The source text of tokens `first..<position`, for an opaque value.
    private func text(from first: Int) -> String {
        let end = tokens[max(first, position - 1)].end
        return String(decoding: source[tokens[first].start..<max(end, tokens[first].start)], as: UTF8.self)
    }
}
