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
        case .bytes(let b): return String(b.bytes.map { Character(Unicode.Scalar($0)) })
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

/// A module-qualified global name after the Python 2 → 3 renaming.
public struct PickleGlobal: Hashable, Sendable {
    public let module: String
    public let name: String
    public var qualifiedName: String { "\(module).\(name)" }
}

/// Shared bookkeeping of container nodes: nesting depth and whether the node may still change.
///
/// A node becomes `sealed` once it is placed inside another node. Real pickles always finish a
/// container before nesting it; refusing later mutation rules out cycles and keeps `depth`
/// exact, so a hostile pickle can never build a graph too deep to release without recursion.
public class PickleNode {
    public internal(set) var depth = 1
    var sealed = false

    func adopt(_ child: PickleValue, limit: Int, offset: Int) throws(FormatError) {
        let childDepth = child.depth
        if childDepth > 0 {
            if child.isSameNode(self) { throw .malformed("pickle builds a recursive structure", offset: offset) }
            guard childDepth + 1 <= limit else {
                throw .limitExceeded("nesting deeper than \(limit) levels", offset: offset)
            }
            depth = max(depth, childDepth + 1)
        }
        child.seal()
    }
}

extension PickleValue {
    func seal() {
        switch self {
        case .tuple(let n): n.sealed = true
        case .list(let n), .set(let n): n.sealed = true
        case .dict(let n): n.sealed = true
        case .object(let n): n.sealed = true
        default: break
        }
    }

    func isSameNode(_ other: PickleNode) -> Bool {
        switch self {
        case .tuple(let n): return n === other
        case .list(let n), .set(let n): return n === other
        case .dict(let n): return n === other
        case .object(let n): return n === other
        default: return false
        }
    }
}

/// An immutable tuple.
public final class PickleTuple: PickleNode {
    public let items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
}

/// A list (also used for sets, which keep insertion order here).
public final class PickleList: PickleNode {
    public internal(set) var items: [PickleValue] = []
}

/// A dict keeping insertion order; later assignments to an existing key replace its value.
public final class PickleDict: PickleNode {
    public private(set) var pairs: [(key: PickleValue, value: PickleValue)] = []
    private var index: [PickleKey: Int] = [:]
    /// Instance attributes set by BUILD (OrderedDict `_metadata`); kept but not interpreted.
    public internal(set) var attributes: PickleValue?

    public var count: Int { pairs.count }

    func set(_ key: PickleValue, _ value: PickleValue, offset: Int) throws(FormatError) {
        let hashKey = try PickleKey(key, offset: offset)
        if let existing = index[hashKey] {
            pairs[existing].value = value
        } else {
            index[hashKey] = pairs.count
            pairs.append((key, value))
        }
    }

    /// The value stored under the str (or latin-1 byte string) `key`.
    public subscript(key: String) -> PickleValue? {
        pairs.first { $0.key.hasText(key) }?.value
    }
}

/// An allow-listed callable applied to arguments; readers interpret it later by its global.
public final class PickleObject: PickleNode {
    public let global: PickleGlobal
    public let args: [PickleValue]
    /// The BUILD state, if any.
    public internal(set) var state: PickleValue?
    init(_ global: PickleGlobal, _ args: [PickleValue]) {
        self.global = global
        self.args = args
    }
}

/// A torch storage referenced by a persistent id. Legacy files fill `region` only after the
/// object pickle has been read, so the field is mutable.
public final class PickleStorage {
    public let key: String
    /// Element type from the storage class; nil for `UntypedStorage` (the tensor names its dtype).
    public let dtype: DType?
    public var region: ByteRegion?
    public var byteOrder: ByteOrder
    init(key: String, dtype: DType?, region: ByteRegion?, byteOrder: ByteOrder = .little) {
        self.key = key
        self.dtype = dtype
        self.region = region
        self.byteOrder = byteOrder
    }
}

/// A hashable image of a dict key, encoded as tagged bytes. Only small immutable values can
/// be keys; that bounds the cost of hashing a key a hostile file fetches from the memo over and over.
struct PickleKey: Hashable {
    static let maxBytes = 1024
    /// Most parts a key may have: tuples of shared tuples must not multiply the work.
    static let maxParts = 256
    private var encoded: [UInt8] = []
    private var parts = 0

    init(_ value: PickleValue, offset: Int) throws(FormatError) {
        try append(value, offset: offset, level: 0)
    }

    static func == (a: PickleKey, b: PickleKey) -> Bool { a.encoded == b.encoded }
    func hash(into hasher: inout Hasher) { hasher.combine(encoded) }

    private mutating func add<C: Collection>(_ tag: UInt8, _ payload: C) where C.Element == UInt8 {
        encoded.append(tag)
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { encoded.append(contentsOf: $0) }
        encoded.append(contentsOf: payload)
    }

    private mutating func addInt(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { add(0x69, Array($0)) }
    }

    private mutating func append(_ value: PickleValue, offset: Int, level: Int) throws(FormatError) {
        parts += 1
        guard parts <= PickleKey.maxParts else { throw .limitExceeded("dict key with more than \(PickleKey.maxParts) parts", offset: offset) }
        switch value {
        case .none: add(0x4E, [])
        // Python treats True == 1 and 1.0 == 1 as the same key.
        case .bool(let b): addInt(b ? 1 : 0)
        case .int(let i): addInt(i)
        case .float(let f) where f == f.rounded() && abs(f) < 1e18: addInt(Int(f))
        case .float(let f): withUnsafeBytes(of: f.bitPattern.littleEndian) { add(0x66, Array($0)) }
        case .bigInt(let b): add(0x4C, b)
        case .string(let s) where s.utf8.count <= PickleKey.maxBytes: add(0x73, s.utf8)
        case .bytes(let b) where b.count <= PickleKey.maxBytes: add(0x62, b.bytes)
        case .tuple(let t) where level < 8:
            addInt(t.items.count)
            encoded.append(0x28)
            for item in t.items { try append(item, offset: offset, level: level + 1) }
        case .global(let g): add(0x67, g.qualifiedName.utf8)
        default: throw .unsupported("dict key of type \(value.kindDescription)", offset: offset)
        }
    }
}
