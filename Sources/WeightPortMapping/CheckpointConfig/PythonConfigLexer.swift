/// Splits mmdetection config text into tokens: names, numbers, strings (every quoting Python
/// has), operators and brackets, with a newline token only where a statement can end (never
/// inside brackets, never after a `\` continuation). Comments are dropped.
///
/// It only reads: a number or string becomes its literal value, nothing else is interpreted.
struct PythonConfigLexer {
    struct Token: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case name(String)
            case number(ConfigValue)
            case string(String)
            /// An f-string: its value depends on evaluation, so it is only ever opaque.
            case formatString
            case op(String)
            case newline
            case end
        }

        let kind: Kind
        let line: Int
        /// Column of the first character (0: the statement starts at the left margin).
        let column: Int
        /// UTF-8 offsets of the token's text in the source, for quoting opaque values.
        let start: Int
        let end: Int
    }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// Open brackets and the lines they opened on.
    private var brackets: [(UInt8, Int)] = []

    static func tokens(_ text: String) throws(ConfigTextError) -> [Token] {
        var lexer = PythonConfigLexer(bytes: Array(text.utf8))
        return try lexer.run()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private static func malformed(_ reason: String, _ line: Int) -> ConfigTextError {
        .malformed(language: "Python", reason: reason, line: line)
    }

    private mutating func run() throws(ConfigTextError) -> [Token] {
        var tokens: [Token] = []
        while index < bytes.count {
            let c = bytes[index]
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0C:
                index += 1
            case UInt8(ascii: "\n"):
                if brackets.isEmpty, let last = tokens.last, last.kind != .newline {
                    tokens.append(Token(kind: .newline, line: line, column: index - lineStart, start: index, end: index))
                }
                newLine(at: index + 1)
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\\"):
                // Explicit line continuation: the statement goes on.
                var next = index + 1
                if next < bytes.count, bytes[next] == UInt8(ascii: "\r") { next += 1 }
                guard next < bytes.count, bytes[next] == UInt8(ascii: "\n") else {
                    throw Self.malformed("stray '\\' outside a string", line)
                }
                newLine(at: next + 1)
            default:
                tokens.append(try token())
            }
        }
        if let (open, openLine) = brackets.last {
            throw Self.malformed("'\(Character(Unicode.Scalar(open)))' opened on line \(openLine) is never closed", openLine)
        }
        tokens.append(Token(kind: .end, line: line, column: 0, start: bytes.count, end: bytes.count))
        return tokens
    }

    private mutating func newLine(at next: Int) {
        index = next
        line += 1
        lineStart = next
    }

    private mutating func token() throws(ConfigTextError) -> Token {
        let start = index, startLine = line, column = index - lineStart
        func make(_ kind: Token.Kind) -> Token { Token(kind: kind, line: startLine, column: column, start: start, end: index) }
        let c = bytes[index]
        if Self.isNameStart(c) {
            while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
            let name = String(decoding: bytes[start..<index], as: UTF8.self)
            if index < bytes.count, Self.isQuote(bytes[index]), let prefix = Self.stringPrefix(name) {
                let value = try string(raw: prefix.raw)
                return make(prefix.format ? .formatString : .string(value))
            }
            return make(.name(name))
        }
        if Self.isQuote(c) { return make(.string(try string(raw: false))) }
        if Self.isDigit(c) || (c == UInt8(ascii: ".") && index + 1 < bytes.count && Self.isDigit(bytes[index + 1])) {
            return make(.number(try number()))
        }
        if let bracket = try bracket(c) { index += 1; return make(.op(bracket)) }
        for op in ["**", "//", "==", "!=", "<=", ">=", "->", ":=", "<<", ">>"] where matches(op) {
            index += op.utf8.count
            return make(.op(op))
        }
        guard "=+-*/%@&|^~<>!.,:;".utf8.contains(c) else {
            throw Self.malformed("unexpected character '\(String(decoding: [c], as: UTF8.self))'", line)
        }
        index += 1
        // Augmented assignments (`+=`) are one operator, so they never read as `=`.
        if index < bytes.count, bytes[index] == UInt8(ascii: "="), "+-*/%@&|^".utf8.contains(c) { index += 1 }
        return make(.op(String(decoding: bytes[start..<index], as: UTF8.self)))
    }

    private func matches(_ op: String) -> Bool {
        let u = Array(op.utf8)
        return index + u.count <= bytes.count && Array(bytes[index..<index + u.count]) == u
    }

    /// Brackets are tracked so newlines inside them do not end a statement; a closing bracket
    /// must match the innermost open one.
    private mutating func bracket(_ c: UInt8) throws(ConfigTextError) -> String? {
        let pairs: [UInt8: UInt8] = [UInt8(ascii: ")"): UInt8(ascii: "("), UInt8(ascii: "]"): UInt8(ascii: "["), UInt8(ascii: "}"): UInt8(ascii: "{")]
        if c == UInt8(ascii: "(") || c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
            brackets.append((c, line))
        } else if let open = pairs[c] {
            guard let (innermost, openLine) = brackets.last else {
                throw Self.malformed("'\(Character(Unicode.Scalar(c)))' closes nothing", line)
            }
            guard innermost == open else {
                throw Self.malformed("'\(Character(Unicode.Scalar(c)))' does not match '\(Character(Unicode.Scalar(innermost)))' opened on line \(openLine)", line)
            }
            brackets.removeLast()
        } else {
            return nil
        }
        return String(Character(Unicode.Scalar(c)))
    }

    /// A quoted string starting at `index` (single, double or triple quotes), its escapes
    /// decoded unless `raw`.
    private mutating func string(raw: Bool) throws(ConfigTextError) -> String {
        let quote = bytes[index], startLine = line
        let triple = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
        index += triple ? 3 : 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw Self.malformed("string opened on line \(startLine) is never closed", startLine) }
            let c = bytes[index]
            if c == quote {
                if !triple { index += 1; break }
                if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote { index += 3; break }
            }
            if c == UInt8(ascii: "\n") {
                guard triple else { throw Self.malformed("string opened on line \(startLine) is never closed", startLine) }
                out.append(c)
                newLine(at: index + 1)
                continue
            }
            if c == UInt8(ascii: "\\"), index + 1 < bytes.count {
                let next = bytes[index + 1]
                if raw {
                    out += [c, next]
                } else if next == UInt8(ascii: "\n") {
                    // An escaped newline continues the string without a newline in it.
                } else {
                    out += Self.escape(next, bytes: bytes, at: &index)
                }
                if next == UInt8(ascii: "\n") { newLine(at: index + 2) } else { index += 2 }
                continue
            }
            out.append(c)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes an escape `\x` stands for; `\xhh` and `\uXXXX` also consume their digits.
    private static func escape(_ c: UInt8, bytes: [UInt8], at index: inout Int) -> [UInt8] {
        switch c {
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "0"): return [0x00]
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): return [c]
        case UInt8(ascii: "x"), UInt8(ascii: "u"):
            let digits = c == UInt8(ascii: "x") ? 2 : 4
            let from = index + 2
            guard from + digits <= bytes.count,
                  let code = UInt32(String(decoding: bytes[from..<from + digits], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(code) else { return [UInt8(ascii: "\\"), c] }
            index += digits
            return Array(String(Character(scalar)).utf8)
        default:
            // Python keeps unknown escapes as written.
            return [UInt8(ascii: "\\"), c]
        }
    }

    /// A number literal as an int or float; anything else that starts like a number is an error.
    private mutating func number() throws(ConfigTextError) -> ConfigValue {
        let start = index
        while index < bytes.count {
            let c = bytes[index]
            let exponentSign = (c == UInt8(ascii: "+") || c == UInt8(ascii: "-")) && index > start
                && (bytes[index - 1] | 0x20) == UInt8(ascii: "e") && !isHex(start)
            guard Self.isNameByte(c) || c == UInt8(ascii: ".") || exponentSign else { break }
            index += 1
        }
        let text = String(String(decoding: bytes[start..<index], as: UTF8.self).filter { $0 != "_" })
        let lower = text.lowercased()
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
            if let value = Int(lower.dropFirst(2), radix: radix) { return .int(value) }
            throw Self.malformed("malformed number '\(text)'", line)
        }
        if lower.hasSuffix("j"), Double(lower.dropLast()) != nil { return .opaque(text) }
        if let value = Int(text) { return .int(value) }
        if let value = Double(text), !lower.contains("n"), !lower.contains("i") { return .float(value) }
        throw Self.malformed("malformed number '\(text)'", line)
    }

    private func isHex(_ start: Int) -> Bool {
        start + 1 < bytes.count && bytes[start] == UInt8(ascii: "0") && (bytes[start + 1] | 0x20) == UInt8(ascii: "x")
    }

    /// `r`, `b`, `u`, `f` and their pairs, as Python allows before a quote.
    private static func stringPrefix(_ name: String) -> (raw: Bool, format: Bool)? {
        let lower = name.lowercased()
        guard ["r", "u", "b", "f", "br", "rb", "fr", "rf"].contains(lower) else { return nil }
        return (lower.contains("r"), lower.contains("f"))
    }

    private static func isQuote(_ c: UInt8) -> Bool { c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") }
    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    private static func isNameStart(_ c: UInt8) -> Bool {
        (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") || c == UInt8(ascii: "_") || c >= 0x80
    }
    private static func isNameByte(_ c: UInt8) -> Bool { isNameStart(c) || isDigit(c) }
}
