import WeightPortCore

/// The central directory of a zip archive held in memory (ZIP64 aware).
///
/// WeightPort parses the directory itself rather than going through libzip so that stored
/// records can be sliced out of the mapped file without a copy; libzip is used only to inflate
/// compressed records (`ZipInflater`).
public struct ZipDirectory: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let method: UInt16
        public let crc32: UInt32
        public let compressedSize: Int
        public let uncompressedSize: Int
        public let localHeaderOffset: Int
        /// Index of the entry in the central directory (libzip's index).
        public let index: Int
    }

    public let entries: [Entry]
    private let bytes: ByteRegion

    public init(_ bytes: ByteRegion) throws(FormatError) {
        self.bytes = bytes
        let eocd = try ZipDirectory.findEndOfCentralDirectory(bytes)
        var cursor = ByteCursor(bytes)
        try cursor.seek(to: eocd + 10)
        var count = Int(try cursor.readLE(UInt16.self, "entry count"))
        var size = Int(try cursor.readLE(UInt32.self, "directory size"))
        var offset = Int(try cursor.readLE(UInt32.self, "directory offset"))
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            (count, size, offset) = try ZipDirectory.readZip64End(bytes, eocd: eocd)
        }
        guard offset >= 0, size >= 0, offset <= bytes.count, size <= bytes.count - offset else {
            throw .malformed("zip central directory (\(size) bytes at \(offset)) lies outside the file", offset: eocd)
        }
        guard count <= size / 46 + 1 else { throw .malformed("zip declares \(count) entries in a \(size)-byte directory", offset: eocd) }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        try cursor.seek(to: offset)
        for index in 0..<count {
            entries.append(try ZipDirectory.readEntry(&cursor, index: index))
        }
        self.entries = entries
    }

    /// The bytes of a stored (uncompressed) record, sliced from the archive without a copy.
    public func storedData(_ entry: Entry) throws(FormatError) -> ByteRegion {
        var cursor = ByteCursor(bytes)
        try cursor.seek(to: entry.localHeaderOffset)
        guard try cursor.readLE(UInt32.self, "local header") == 0x0403_4B50 else {
            throw .malformed("zip record '\(entry.name)' has no local header", offset: entry.localHeaderOffset)
        }
        try cursor.skip(22, what: "local header")
        let nameLength = Int(try cursor.readLE(UInt16.self))
        let extraLength = Int(try cursor.readLE(UInt16.self))
        try cursor.skip(nameLength + extraLength, what: "local header name")
        guard entry.method == 0 else {
            throw .unsupported("zip record '\(entry.name)' is compressed (method \(entry.method))", offset: entry.localHeaderOffset)
        }
        return try cursor.readRegion(entry.compressedSize, "zip record '\(entry.name)'")
    }

    /// File offset where a record's data begins.
    public func dataOffset(_ entry: Entry) throws(FormatError) -> Int {
        var cursor = ByteCursor(bytes)
        try cursor.seek(to: entry.localHeaderOffset + 26)
        let nameLength = Int(try cursor.readLE(UInt16.self))
        let extraLength = Int(try cursor.readLE(UInt16.self))
        return entry.localHeaderOffset + 30 + nameLength + extraLength
    }

    /// True when the archive holds a `data.pkl` (a `torch.save` archive; the torch reader then
    /// checks that it sits exactly one folder deep, and says so when it does not).
    static func looksLikeTorchArchive(_ bytes: ByteRegion) -> Bool {
        guard let directory = try? ZipDirectory(bytes) else { return false }
        return directory.entries.contains { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }
    }

    private static func findEndOfCentralDirectory(_ bytes: ByteRegion) throws(FormatError) -> Int {
        let lowest = max(0, bytes.count - 22 - 65_535)
        var i = bytes.count - 22
        while i >= lowest {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x05 && bytes[i + 3] == 0x06 { return i }
            i -= 1
        }
        throw .malformed("zip archive has no end-of-central-directory record (truncated?)", offset: bytes.count)
    }

    private static func readZip64End(_ bytes: ByteRegion, eocd: Int) throws(FormatError) -> (Int, Int, Int) {
        var cursor = ByteCursor(bytes)
        try cursor.seek(to: max(0, eocd - 20))
        guard eocd >= 20, try cursor.readLE(UInt32.self) == 0x0706_4B50 else {
            throw .malformed("zip needs ZIP64 sizes but has no ZIP64 locator", offset: eocd)
        }
        try cursor.skip(4)
        let recordOffset = Int(clamping: try cursor.readLE(UInt64.self, "ZIP64 record offset"))
        try cursor.seek(to: recordOffset)
        guard try cursor.readLE(UInt32.self) == 0x0606_4B50 else {
            throw .malformed("ZIP64 end record missing", offset: recordOffset)
        }
        try cursor.skip(28)
        let count = Int(clamping: try cursor.readLE(UInt64.self))
        let size = Int(clamping: try cursor.readLE(UInt64.self))
        let offset = Int(clamping: try cursor.readLE(UInt64.self))
        return (count, size, offset)
    }

    private static func readEntry(_ cursor: inout ByteCursor, index: Int) throws(FormatError) -> Entry {
        let start = cursor.fileOffset
        guard try cursor.readLE(UInt32.self, "central directory entry") == 0x0201_4B50 else {
            throw .malformed("zip central directory entry \(index) has a bad signature", offset: start)
        }
        try cursor.skip(6)
        let method = try cursor.readLE(UInt16.self)
        try cursor.skip(4)
        let crc = try cursor.readLE(UInt32.self)
        var compressed = Int(try cursor.readLE(UInt32.self))
        var uncompressed = Int(try cursor.readLE(UInt32.self))
        let nameLength = Int(try cursor.readLE(UInt16.self))
        let extraLength = Int(try cursor.readLE(UInt16.self))
        let commentLength = Int(try cursor.readLE(UInt16.self))
        try cursor.skip(8)
        var headerOffset = Int(try cursor.readLE(UInt32.self))
        let name = String(decoding: try cursor.readBytes(nameLength, "entry name"), as: UTF8.self)
        var extra = ByteCursor(try cursor.readRegion(extraLength, "entry extra field"), baseOffset: cursor.fileOffset - extraLength)
        try cursor.skip(commentLength, what: "entry comment")
        while extra.remaining >= 4 {
            let id = try extra.readLE(UInt16.self)
            let length = Int(try extra.readLE(UInt16.self))
            var field = ByteCursor(try extra.readRegion(length, "extra field"), baseOffset: extra.fileOffset - length)
            guard id == 0x0001 else { continue }
            if uncompressed == 0xFFFF_FFFF { uncompressed = Int(clamping: try field.readLE(UInt64.self, "ZIP64 size")) }
            if compressed == 0xFFFF_FFFF { compressed = Int(clamping: try field.readLE(UInt64.self, "ZIP64 size")) }
            if headerOffset == 0xFFFF_FFFF { headerOffset = Int(clamping: try field.readLE(UInt64.self, "ZIP64 offset")) }
        }
        return Entry(name: name, method: method, crc32: crc, compressedSize: compressed,
                     uncompressedSize: uncompressed, localHeaderOffset: headerOffset, index: index)
    }
}
