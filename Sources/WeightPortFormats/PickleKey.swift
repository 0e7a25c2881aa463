import WeightPortCore

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
