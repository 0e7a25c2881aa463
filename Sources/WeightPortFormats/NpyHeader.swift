import WeightPortCore

/// The header of a `.npy` file: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
///
/// The literal is tokenised by hand and only strings, `True`/`False`, integers and tuples are
/// accepted, so a hostile header (`__import__('os')…`) is rejected as text, never evaluated.
public struct NpyHeader: Sendable, Equatable {
    public let dtype: DType
    public let byteOrder: ByteOrder
    public let fortranOrder: Bool
    public let shape: [Int]

    /// Longest header accepted; NumPy itself refuses headers over 10 000 bytes by default.
    static let maxHeaderLength = 100_000

    /// Parses the dict literal `text`, which started at file offset `offset` (used in errors).
    public init(text: [UInt8], offset: Int) throws(FormatError) {
        var parser = DictLiteralParser(bytes: text, baseOffset: offset)
        let entries = try parser.parseDict()
        guard case .string(let descr)? = entries["descr"] else {
            throw .malformed("npy header has no 'descr' string (structured dtypes are not supported)", offset: offset)
        }
        guard case .bool(let fortran)? = entries["fortran_order"] else {
            throw .malformed("npy header has no 'fortran_order' True/False", offset: offset)
        }
        guard case .tuple(let shape)? = entries["shape"] else {
            throw .malformed("npy header has no 'shape' tuple", offset: offset)
        }
        (dtype, byteOrder) = try NpyHeader.parseDescr(descr, offset: offset)
        fortranOrder = fortran
        self.shape = shape
    }

    /// Maps a NumPy type string (`<f4`, `>i8`, `|b1`) to a dtype and byte order.
    static func parseDescr(_ descr: String, offset: Int) throws(FormatError) -> (DType, ByteOrder) {
        let chars = Array(descr)
        guard chars.count >= 2 else { throw .malformed("npy descr '\(descr)' is too short", offset: offset) }
        var order: ByteOrder = .little
        var rest = chars[...]
        switch chars[0] {
        case "<", "|": rest = chars.dropFirst()
        case ">": order = .big; rest = chars.dropFirst()
        case "=": order = .host; rest = chars.dropFirst()
        default: break
        }
        guard let kind = rest.first else { throw .malformed("npy descr '\(descr)' has no type", offset: offset) }
        if kind == "O" {
            throw .unsupported("npy object dtype '\(descr)' holds pickled Python objects; WeightPort reads only numeric arrays", offset: offset)
        }
        guard let size = Int(String(rest.dropFirst())), let dtype = dtypeTable[String(kind)]?[size] else {
            throw .unsupported("npy dtype '\(descr)' (only bool, integer, float and complex arrays are read)", offset: offset)
        }
        return (dtype, dtype.size == 1 ? .little : order)
    }

    private static let dtypeTable: [String: [Int: DType]] = [
        "b": [1: .bool],
        "i": [1: .int8, 2: .int16, 4: .int32, 8: .int64],
        "u": [1: .uint8, 2: .uint16, 4: .uint32, 8: .uint64],
        "f": [2: .float16, 4: .float32, 8: .float64],
        "c": [8: .complex64, 16: .complex128],
    ]
}

/// Values a `.npy` header may hold.
enum NpyLiteral: Equatable {
    case string(String)
    case bool(Bool)
    case tuple([Int])
}

/// A recursive-descent parser for the tiny subset of Python literals used in `.npy` headers.
struct DictLiteralParser {
    let bytes: [UInt8]
    let baseOffset: Int
    var i = 0

    init(bytes: [UInt8], baseOffset: Int) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    mutating func parseDict() throws(FormatError) -> [String: NpyLiteral] {
        try expect(UInt8(ascii: "{"))
        var result: [String: NpyLiteral] = [:]
        while true {
            skipSpace()
            if peek() == UInt8(ascii: "}") { i += 1; break }
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            result[key] = try parseValue()
            skipSpace()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            try expect(UInt8(ascii: "}"))
            break
        }
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the header dict") }
        return result
    }

    private mutating func parseValue() throws(FormatError) -> NpyLiteral {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "("): return .tuple(try parseTuple())
        case UInt8(ascii: "["): throw FormatError.unsupported("npy structured dtype (a list 'descr')", offset: baseOffset + i)
        default:
            if consumeWord("True") { return .bool(true) }
            if consumeWord("False") { return .bool(false) }
            throw fail("npy header value is not a string, True/False or a tuple of integers")
        }
    }

    private mutating func parseTuple() throws(FormatError) -> [Int] {
        try expect(UInt8(ascii: "("))
        var values: [Int] = []
        while true {
            skipSpace()
            if peek() == UInt8(ascii: ")") { i += 1; return values }
            values.append(try parseInt())
            skipSpace()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            try expect(UInt8(ascii: ")"))
            return values
        }
    }

    private mutating func parseInt() throws(FormatError) -> Int {
        skipSpace()
        var value = 0
        let start = i
        while let c = peek(), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw FormatError.limitExceeded("npy shape dimension too large", offset: baseOffset + start) }
            value = sum
            i += 1
        }
        // Python 2 wrote long dimensions as `3L`.
        if peek() == UInt8(ascii: "L") { i += 1 }
        guard i > start else { throw fail("npy shape holds a non-integer") }
        return value
    }

    private mutating func parseString() throws(FormatError) -> String {
        skipSpace()
        guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw fail("npy header key or value is not a quoted string")
        }
        i += 1
        let start = i
        while let c = peek(), c != quote {
            guard c != UInt8(ascii: "\\") else { throw fail("npy header string contains an escape") }
            i += 1
        }
        guard peek() == quote else { throw fail("npy header string is not terminated") }
        defer { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func consumeWord(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return false }
        i += w.count
        return true
    }

    private mutating func expect(_ c: UInt8) throws(FormatError) {
        skipSpace()
        guard peek() == c else { throw fail("npy header expected '\(Character(Unicode.Scalar(c)))'") }
        i += 1
    }

    private mutating func skipSpace() {
        while let c = peek(), c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { i += 1 }
    }

    private func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    private func fail(_ message: String) -> FormatError {
        .malformed("\(message) (the header is a Python dict literal; it is parsed, never evaluated)", offset: baseOffset + i)
    }
}
