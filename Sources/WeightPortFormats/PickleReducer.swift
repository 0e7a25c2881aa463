import WeightPortCore

/// What applying an allow-listed global to arguments produces.
///
/// Structural builtins become plain values at once (an `OrderedDict` must already be a dict
/// when SETITEMS fills it); numpy and torch reconstructors stay `PickleObject` records that a
/// reader interprets once names and storages are known.
enum PickleReducer {
    static func apply(_ global: PickleGlobal, _ args: [PickleValue], depthLimit: Int, offset: Int) throws -> PickleValue {
        switch global.qualifiedName {
        case "collections.OrderedDict", "builtins.dict": return try orderedDict(args, depthLimit: depthLimit, offset: offset)
        case "_codecs.encode": return try codecsEncode(args, offset: offset)
        case "builtins.bytes", "builtins.bytearray": return try bytes(args, offset: offset)
        case "builtins.set", "builtins.frozenset": return try set(args, depthLimit: depthLimit, offset: offset)
        case "builtins.complex":
            let real = args.first.flatMap(number) ?? 0, imaginary = args.dropFirst().first.flatMap(number) ?? 0
            return .complex(real, imaginary)
        default:
            let object = PickleObject(global, args)
            for arg in args { try object.adopt(arg, limit: depthLimit, offset: offset) }
            return .object(object)
        }
    }

    /// How many bytes or items applying `global` copies (see `Unpickler.copyBudget`).
    static func copyCost(_ global: PickleGlobal, _ args: [PickleValue]) -> Int {
        switch args.first {
        case .string(let text)?: return text.utf8.count
        case .list(let list)?: return list.items.count
        case .tuple(let tuple)?: return tuple.items.count
        default: return 1
        }
    }

    static func number(_ value: PickleValue) -> Double? {
        switch value {
        case .int(let i): return Double(i)
        case .float(let f): return f
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// `OrderedDict()` (Python 3, then SETITEMS) or `OrderedDict([[k, v], …])` (Python 2).
    static func orderedDict(_ args: [PickleValue], depthLimit: Int, offset: Int) throws -> PickleValue {
        let dict = PickleDict()
        guard let pairs = args.first else { return .dict(dict) }
        guard let items = pairs.sequence else {
            throw FormatError.malformed("OrderedDict built from \(pairs.kindDescription)", offset: offset)
        }
        for item in items {
            guard let pair = item.sequence, pair.count == 2 else {
                throw FormatError.malformed("OrderedDict item is not a key/value pair", offset: offset)
            }
            try dict.adopt(pair[1], limit: depthLimit, offset: offset)
            try dict.set(pair[0], pair[1], offset: offset)
        }
        return .dict(dict)
    }

    /// `_codecs.encode(text, 'latin1')`: how Python 3 writes `bytes` at protocol 2. Copies,
    /// since the file holds the bytes UTF-8 encoded.
    static func codecsEncode(_ args: [PickleValue], offset: Int) throws -> PickleValue {
        guard case .string(let text)? = args.first else {
            throw FormatError.malformed("_codecs.encode needs a str argument", offset: offset)
        }
        let encoding = args.count > 1 ? args[1].text?.lowercased() ?? "" : "utf-8"
        if encoding == "latin1" || encoding == "latin-1" || encoding == "iso-8859-1" {
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else {
                    throw FormatError.malformed("_codecs.encode: character U+\(String(scalar.value, radix: 16)) is not latin-1", offset: offset)
                }
                out.append(UInt8(scalar.value))
            }
            return .bytes(ByteRegion(copying: out))
        }
        guard encoding == "utf-8" || encoding == "utf8" else {
            throw FormatError.unsupported("_codecs.encode with encoding '\(encoding)'", offset: offset)
        }
        return .bytes(ByteRegion(copying: Array(text.utf8)))
    }

    /// `bytes()` / `bytearray()` / `bytearray(b'…')`.
    static func bytes(_ args: [PickleValue], offset: Int) throws -> PickleValue {
        switch args.first {
        case nil: return .bytes(.empty)
        case .bytes(let region)?: return .bytes(region)
        case .string? where args.count > 1: return try codecsEncode(args, offset: offset)
        case .string(let text)?: return .bytes(ByteRegion(copying: Array(text.utf8)))
        default: throw FormatError.malformed("bytes built from \(args[0].kindDescription)", offset: offset)
        }
    }

    static func set(_ args: [PickleValue], depthLimit: Int, offset: Int) throws -> PickleValue {
        let set = PickleList()
        if let first = args.first {
            guard let items = first.sequence else {
                throw FormatError.malformed("set built from \(first.kindDescription)", offset: offset)
            }
            for item in items { try set.adopt(item, limit: depthLimit, offset: offset) }
            set.items = items
        }
        return .set(set)
    }
}
