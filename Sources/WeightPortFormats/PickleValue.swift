import WeightPortCore

/// A value produced by the safe `Unpickler`: plain data, or a record of an allow-listed
/// global applied to arguments. Nothing in it can run code.
///
/// Mutable containers are reference types because pickles memoize a container before filling
/// it and may fetch it again later (`BINPUT` then `BINGET`), exactly as Python shares objects.
public indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits, as little-endian two's-complement bytes (e.g. torch's magic number).
    case bigInt([UInt8])
    case float(Double)
    case complex(Double, Double)
    case string(String)
    /// Raw bytes: Python 3 `bytes`/`bytearray` or a Python 2 `str`; usually a slice of the file.
    case bytes(ByteRegion)
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    case set(PickleList)
    /// A reference to an allow-listed global that has not been applied to arguments.
    case global(PickleGlobal)
    /// An allow-listed global applied to arguments (REDUCE/NEWOBJ), possibly with BUILD state.
    case object(PickleObject)
    /// A storage handed out by a reader's persistent-id handler (torch).
    case storage(PickleStorage)

    /// How deep the containers inside this value nest (0 for scalars).
    var depth: Int {
        switch self {
        case .tuple(let t): return t.depth
        case .list(let l), .set(let l): return l.depth
        case .dict(let d): return d.depth
        case .object(let o): return o.depth
        default: return 0
        }
    }

    /// The text of a str, or of a Python 2 byte string decoded as latin-1 (how Python 3 reads Py2 keys).
    public var text: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b):
            // ASCII (every Detectron blob name) reads the same as UTF-8, without a Character per byte.
            if b.bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: b.bytes, as: UTF8.self) }
            var text = ""
            text.unicodeScalars.append(contentsOf: b.bytes.map { Unicode.Scalar($0) })
            return text
        default: return nil
        }
    }

    /// True when this is the str `key`, or a byte string whose latin-1 reading is `key`,
    /// compared without building a String for every candidate.
    func hasText(_ key: String) -> Bool {
        switch self {
        case .string(let s): return s == key
        case .bytes(let b):
            let scalars = key.unicodeScalars
            return b.count == scalars.count && zip(b.bytes, scalars).allSatisfy { UInt32($0) == $1.value }
        default: return false
        }
    }

    /// The integer value when it fits in `Int` (bools count as 0/1, as in Python).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Items of a tuple or list.
    public var sequence: [PickleValue]? {
        switch self {
        case .tuple(let t): return t.items
        case .list(let l): return l.items
        default: return nil
        }
    }

    /// A few words naming the kind of value, for error messages and metadata.
    public var kindDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .complex: return "complex"
        case .string: return "str"
        case .bytes(let b): return "bytes[\(b.count)]"
        case .tuple(let t): return "tuple[\(t.items.count)]"
        case .list(let l): return "list[\(l.items.count)]"
        case .dict(let d): return "dict[\(d.count)]"
        case .set(let s): return "set[\(s.items.count)]"
        case .global(let g): return "global \(g.qualifiedName)"
        case .object(let o): return "\(o.global.qualifiedName)(…)"
        case .storage: return "storage"
        }
    }
}
