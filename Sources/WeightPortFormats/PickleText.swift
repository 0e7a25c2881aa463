import WeightPortCore

/// Parsing of protocol-0 text operands and of arbitrary-width integers.
enum PickleText {
    /// INT: `01`/`00` are Python 2's True/False; wider-than-64-bit values become `bigInt`.
    static func int(_ line: [UInt8], offset: Int, maxBytes: Int) throws -> PickleValue {
        if line == Array("01".utf8) { return .bool(true) }
        if line == Array("00".utf8) { return .bool(false) }
        return try integer(decimal: line, offset: offset, maxBytes: maxBytes)
    }

    /// LONG: decimal digits with an optional trailing `L`.
    static func long(_ line: [UInt8], offset: Int, maxBytes: Int) throws -> PickleValue {
        var digits = line
        if digits.last == UInt8(ascii: "L") { digits.removeLast() }
        return try integer(decimal: digits, offset: offset, maxBytes: maxBytes)
    }

    static func float(_ line: [UInt8], offset: Int) throws -> PickleValue {
        let text = String(decoding: line, as: UTF8.self)
        guard let value = Double(text) ?? pythonSpecialFloat(text) else {
            throw FormatError.malformed("pickle FLOAT '\(text.prefix(40))' is not a number", offset: offset)
        }
        return .float(value)
    }

    static func pythonSpecialFloat(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan", "-nan": return .nan
        case "inf": return .infinity
        case "-inf": return -.infinity
        default: return nil
        }
    }

    /// A small non-negative decimal (PUT/GET memo indices).
    static func decimal(_ line: [UInt8], offset: Int) throws -> Int {
        guard case .int(let value) = try integer(decimal: line, offset: offset, maxBytes: 8), value >= 0 else {
            throw FormatError.malformed("pickle memo index is not a small non-negative integer", offset: offset)
        }
        return value
    }

    /// Decimal text to an integer value, converting digit by digit into little-endian base-256
    /// so that arbitrarily wide (but bounded) values survive exactly.
    static func integer(decimal line: [UInt8], offset: Int, maxBytes: Int) throws -> PickleValue {
        var digits = line[...]
        var negative = false
        if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw FormatError.malformed("pickle integer '\(String(decoding: line.prefix(40), as: UTF8.self))' is not decimal", offset: offset)
        }
        // The conversion is quadratic in the digit count; weight files never need more than a few.
        guard digits.count <= min(maxBytes * 3, 1024) else {
            throw FormatError.limitExceeded("integer of \(digits.count) digits", offset: offset)
        }
        var magnitude: [UInt8] = [0]
        for digit in digits {
            var carry = Int(digit - 0x30)
            for i in magnitude.indices {
                let v = Int(magnitude[i]) * 10 + carry
                magnitude[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            while carry > 0 { magnitude.append(UInt8(carry & 0xFF)); carry >>= 8 }
        }
        magnitude.append(0)  // sign byte, so the value reads as non-negative two's complement
        if negative { magnitude = negate(magnitude) }
        return integer(fromTwosComplement: magnitude)
    }

    static func negate(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes.map { ~$0 }
        for i in out.indices {
            let (sum, overflow) = out[i].addingReportingOverflow(1)
            out[i] = sum
            if !overflow { break }
        }
        return out
    }

    /// Little-endian two's complement to `.int` when it fits 64 bits, else `.bigInt`.
    static func integer(fromTwosComplement bytes: [UInt8]) -> PickleValue {
        guard let last = bytes.last else { return .int(0) }
        let fill: UInt8 = last & 0x80 != 0 ? 0xFF : 0
        var trimmed = bytes
        // Drop redundant sign-extension bytes so the width test below is exact.
        while trimmed.count > 1, trimmed[trimmed.count - 1] == fill, (trimmed[trimmed.count - 2] & 0x80 != 0) == (fill == 0xFF) {
            trimmed.removeLast()
        }
        guard trimmed.count <= 8 else { return .bigInt(trimmed) }
        var raw: UInt64 = fill == 0xFF ? UInt64.max : 0
        for (i, byte) in trimmed.enumerated() {
            raw &= ~(UInt64(0xFF) << (8 * UInt64(i)))
            raw |= UInt64(byte) << (8 * UInt64(i))
        }
        return .int(Int(Int64(bitPattern: raw)))
    }

    /// STRING: a quoted Python 2 `repr` with backslash escapes, unescaped to raw bytes.
    static func quotedString(_ line: [UInt8], offset: Int) throws -> [UInt8] {
        guard line.count >= 2, let quote = line.first, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\""),
              line.last == quote else {
            throw FormatError.malformed("pickle STRING argument is not quoted", offset: offset)
        }
        let body = Array(line[1..<(line.count - 1)])
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = 0
        while i < body.count {
            let c = body[i]
            i += 1
            guard c == UInt8(ascii: "\\"), i < body.count else { out.append(c); continue }
            let e = body[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "x"):
                guard i + 2 <= body.count, let v = UInt8(String(decoding: body[i..<(i + 2)], as: UTF8.self), radix: 16) else {
                    throw FormatError.malformed("pickle STRING has a bad \\x escape", offset: offset)
                }
                out.append(v)
                i += 2
            case 0x30...0x37:
                var value = Int(e - 0x30)
                var n = 1
                while n < 3, i < body.count, (0x30...0x37).contains(body[i]) { value = value * 8 + Int(body[i] - 0x30); i += 1; n += 1 }
                out.append(UInt8(value & 0xFF))
            default: out.append(e)  // \\ \' \" and unknown escapes keep the character
            }
        }
        return out
    }

    /// UNICODE: raw-unicode-escape (`\uXXXX`, `\UXXXXXXXX`; other bytes are latin-1).
    static func rawUnicodeEscape(_ line: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < line.count {
            let c = line[i]
            if c == UInt8(ascii: "\\"), i + 1 < line.count, line[i + 1] == UInt8(ascii: "u") || line[i + 1] == UInt8(ascii: "U") {
                let width = line[i + 1] == UInt8(ascii: "u") ? 4 : 8
                if i + 2 + width <= line.count,
                   let v = UInt32(String(decoding: line[(i + 2)..<(i + 2 + width)], as: UTF8.self), radix: 16),
                   let scalar = Unicode.Scalar(v) {
                    scalars.append(scalar)
                    i += 2 + width
                    continue
                }
            }
            scalars.append(Unicode.Scalar(c))
            i += 1
        }
        return String(scalars)
    }
}
