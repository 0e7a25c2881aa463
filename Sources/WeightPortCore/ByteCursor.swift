/// A bounds-checked reader over a `ByteRegion`. Every read that would pass the end throws
/// `FormatError.truncated` with the offset, so no reader ever traps on a short file.
public struct ByteCursor: Sendable {
    public let region: ByteRegion
    /// Absolute offset of `region` within its file, added to offsets in errors.
    public let baseOffset: Int
    public private(set) var position: Int = 0

    public init(_ region: ByteRegion, baseOffset: Int = 0) {
        self.region = region
        self.baseOffset = baseOffset
    }

    public var remaining: Int { region.count - position }
    public var isAtEnd: Bool { position >= region.count }
    /// Offset of the cursor within the file.
    public var fileOffset: Int { baseOffset + position }

    public mutating func seek(to offset: Int) throws(FormatError) {
        guard offset >= 0, offset <= region.count else {
            throw .truncated(what: "seek", offset: baseOffset + offset, needed: 0, available: 0)
        }
        position = offset
    }

    public mutating func skip(_ n: Int, what: String = "data") throws(FormatError) {
        try require(n, what)
        position += n
    }

    @inline(__always)
    public func require(_ n: Int, _ what: String) throws(FormatError) {
        guard n >= 0, n <= remaining else {
            throw .truncated(what: what, offset: fileOffset, needed: n, available: remaining)
        }
    }

    @inline(__always)
    public mutating func readUInt8(_ what: String = "byte") throws(FormatError) -> UInt8 {
        try require(1, what)
        defer { position += 1 }
        return region[position]
    }

    /// Reads a little-endian fixed-width integer.
    @inline(__always)
    public mutating func readLE<T: FixedWidthInteger>(_ type: T.Type, _ what: String = "integer") throws(FormatError) -> T {
        let size = MemoryLayout<T>.size
        try require(size, what)
        defer { position += size }
        return T(littleEndian: region.base.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    /// Reads a big-endian fixed-width integer.
    @inline(__always)
    public mutating func readBE<T: FixedWidthInteger>(_ type: T.Type, _ what: String = "integer") throws(FormatError) -> T {
        let size = MemoryLayout<T>.size
        try require(size, what)
        defer { position += size }
        return T(bigEndian: region.base.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    /// Returns the next `n` bytes as a zero-copy slice.
    public mutating func readRegion(_ n: Int, _ what: String = "data") throws(FormatError) -> ByteRegion {
        try require(n, what)
        defer { position += n }
        return region.slice(position, n)
    }

    public mutating func readBytes(_ n: Int, _ what: String = "data") throws(FormatError) -> [UInt8] {
        try readRegion(n, what).toArray()
    }

    /// Reads bytes up to (not including) `terminator`, consuming the terminator.
    public mutating func readLine(terminator: UInt8 = 0x0A, maxLength: Int = 1 << 20, _ what: String = "line") throws(FormatError) -> [UInt8] {
        let start = position
        var i = position
        while i < region.count {
            if region[i] == terminator {
                position = i + 1
                return Array(region.slice(start, i - start).bytes)
            }
            if i - start >= maxLength { throw .limitExceeded("\(what) longer than \(maxLength) bytes", offset: baseOffset + start) }
            i += 1
        }
        throw .truncated(what: "\(what) (no terminator)", offset: baseOffset + start, needed: i - start + 1, available: i - start)
    }

    /// Reads a protobuf-style base-128 varint.
    public mutating func readVarint(_ what: String = "varint") throws(FormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = fileOffset
        while true {
            let byte = try readUInt8(what)
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift >= 64 { throw .malformed("\(what) longer than 10 bytes", offset: start) }
        }
    }
}
