/// CRC-32 as zip and zlib define it (IEEE 802.3 polynomial, reflected, initial and final XOR
/// 0xFFFFFFFF), computed eight bytes per step with the slicing-by-8 tables.
/// (Named apart from ZipInflater's internal byte-at-a-time `CRC32`, which readers use.)
///
/// Zip records of a 250 MB checkpoint are checksummed on every write, so the byte-at-a-time
/// loop (about 400 MB/s) would dominate; slicing-by-8 runs several times faster in release builds.
public struct FastCRC32: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// The checksum of everything passed to `update` so far.
    public var checksum: UInt32 { ~state }

    /// Folds `bytes` into the running checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        state = FastCRC32.table.withUnsafeBufferPointer { table in
            FastCRC32.advance(state, base, bytes.count, table.baseAddress!)
        }
    }

    /// Folds `bytes` into the running checksum.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The CRC-32 of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = FastCRC32()
        crc.update(bytes)
        return crc.checksum
    }

    /// The CRC-32 of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    private static func advance(_ start: UInt32, _ base: UnsafeRawPointer, _ count: Int,
                                _ t: UnsafePointer<UInt32>) -> UInt32 {
        var crc = start
        var p = base
        var n = count
        while n >= 8 {
            // Little-endian load: the reflected CRC consumes the lowest-addressed byte first.
            let word = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            let lo = UInt32(truncatingIfNeeded: word) ^ crc
            let hi = UInt32(truncatingIfNeeded: word >> 32)
            crc = t[1792 + Int(lo & 0xFF)] ^ t[1536 + Int((lo >> 8) & 0xFF)]
                ^ t[1280 + Int((lo >> 16) & 0xFF)] ^ t[1024 + Int(lo >> 24)]
                ^ t[768 + Int(hi & 0xFF)] ^ t[512 + Int((hi >> 8) & 0xFF)]
                ^ t[256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
            p += 8
            n -= 8
        }
        while n > 0 {
            crc = t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
            p += 1
            n -= 1
        }
        return crc
    }

    /// Eight 256-entry tables: table k advances a byte followed by k zero bytes.
    private static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = t[(k - 1) * 256 + i]
                t[k * 256 + i] = t[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return t
    }()
}
