import WeightPortCore

/// Writes a stored (uncompressed) zip archive the way PyTorch's `PyTorchStreamWriter` lays it
/// out (FORMATS.md §4.1): every record's data starts on an `alignment` boundary thanks to an
/// `FB` padding extra field, sizes and CRC follow the data in a data descriptor, and ZIP64
/// fields appear exactly where a size or offset reaches 0xFFFFFFFF.
///
/// Record data is streamed to the `AtomicFileWriter` straight from the caller's (mapped) bytes.
public final class ZipArchiveWriter {
    struct Record {
        let name: [UInt8]
        var crc: UInt32
        let size: Int
        let headerOffset: Int
    }

    private let sink: AtomicFileWriter
    private let alignment: Int
    private(set) var records: [Record] = []
    /// Records ended without their checksum → where their data descriptor starts.
    private var unsettled: [Int: Int] = [:]
    static let limit32 = 0xFFFF_FFFF
    // Fixed DOS date 1980-01-01 00:00: the output does not depend on the clock.
    static let dosTime: UInt16 = 0, dosDate: UInt16 = 0x21
    static let flags: UInt16 = 0x0808

    /// An archive written to `sink` from its current position (normally the file's start).
    public init(sink: AtomicFileWriter, alignment: Int = 64) {
        self.sink = sink
        self.alignment = max(alignment, 1)
    }

    /// Appends a stored record holding `data` (a slice of a mapped file is copied file-to-file).
    /// `checksum` supplies the data's CRC-32 once the data is written (e.g. from a
    /// `ChecksumPipeline`); by default it is computed here.
    public func addRecord(name: String, data: ByteRegion, checksum: (() -> UInt32)? = nil) throws(WriterError) {
        let record = try beginRecord(name: name, size: data.count)
        try sink.write(data)
        try endRecord(record, crc: checksum?() ?? FastCRC32.checksum(data.bytes))
    }

    /// A record whose header is written and whose `size` bytes of data the caller writes to the
    /// sink next, before `endRecord`.
    struct PendingRecord {
        let name: [UInt8]
        let size: Int
        let headerOffset: Int
    }

    /// Writes a stored record's local header (for data written by the caller).
    func beginRecord(name: String, size: Int) throws(WriterError) -> PendingRecord {
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 0xFFFF else { throw .unsupportedValue("zip record name of \(nameBytes.count) bytes") }
        let offset = sink.bytesWritten
        try sink.write(ZipArchiveWriter.localHeader(name: nameBytes, size: size, offset: offset, alignment: alignment))
        return PendingRecord(name: nameBytes, size: size, headerOffset: offset)
    }

    /// Writes the data descriptor after a record's data and lists the record for the directory.
    /// A nil `crc` (its checksum not computed yet) writes 0 in its place and returns the record's
    /// index, for `settle` to fill in before `finish`.
    @discardableResult
    func endRecord(_ record: PendingRecord, crc: UInt32?) throws(WriterError) -> Int? {
        let wide = record.size >= ZipArchiveWriter.limit32 || record.headerOffset >= ZipArchiveWriter.limit32
        let descriptorOffset = sink.bytesWritten
        try sink.write(ZipArchiveWriter.dataDescriptor(crc: crc ?? 0, size: record.size, wide: wide))
        records.append(Record(name: record.name, crc: crc ?? 0, size: record.size, headerOffset: record.headerOffset))
        guard crc == nil else { return nil }
        unsettled[records.count - 1] = descriptorOffset
        return records.count - 1
    }

    /// Gives record `index` (ended without its checksum) its CRC-32: in its data descriptor,
    /// already written, and in the directory to come.
    func settle(_ index: Int, crc: UInt32) throws(WriterError) {
        guard let descriptorOffset = unsettled.removeValue(forKey: index) else { return }
        // The CRC follows the descriptor's 4-byte signature.
        try sink.overwrite(ZipArchiveWriter.le(crc), at: descriptorOffset + 4)
        records[index].crc = crc
    }

    /// Appends a stored record holding `bytes`.
    public func addRecord(name: String, bytes: [UInt8]) throws(WriterError) {
        try addRecord(name: name, data: ByteRegion(copying: bytes))
    }

    /// Writes the central directory, the ZIP64 end record and locator (always, as torch does),
    /// and the end-of-central-directory record.
    public func finish() throws(WriterError) {
        guard unsettled.isEmpty else { throw .unsupportedValue("zip records ended without their CRC-32 were never settled") }
        let directoryOffset = sink.bytesWritten
        var directory: [UInt8] = []
        for record in records { directory += ZipArchiveWriter.centralEntry(record) }
        try sink.write(directory)
        let zip64Offset = sink.bytesWritten
        try sink.write(ZipArchiveWriter.endRecords(count: records.count, directorySize: directory.count,
                                                   directoryOffset: directoryOffset, zip64Offset: zip64Offset))
    }

    // MARK: - Layout (pure functions, unit-tested for the ZIP64 cases)

    /// Local header + ZIP64 extra (sizes, when the record reaches 4 GiB) + `FB` padding extra
    /// that makes the data start at a multiple of `alignment` (PT-ic `getPadding`).
    static func localHeader(name: [UInt8], size: Int, offset: Int, alignment: Int) -> [UInt8] {
        let big = size >= limit32
        var zip64: [UInt8] = []
        if big {
            zip64 += le(UInt16(1)) + le(UInt16(16)) + le(UInt64(size)) + le(UInt64(size))
        }
        let start = offset + 30 + name.count + zip64.count + 4
        let pad = (alignment - start % alignment) % alignment
        let extra = zip64 + le(UInt16(0x4246)) + le(UInt16(pad)) + [UInt8](repeating: 0x5A, count: pad)
        var out = le(UInt32(0x0403_4B50)) + le(UInt16(big ? 45 : 20)) + le(flags) + le(UInt16(0))
        out += le(dosTime) + le(dosDate) + le(UInt32(0))
        // Bit 3 is set: CRC and sizes live in the data descriptor, so the header carries zeros
        // (or the ZIP64 marker, whose extra then holds the real sizes).
        let marker: UInt32 = big ? 0xFFFF_FFFF : 0
        out += le(marker) + le(marker) + le(UInt16(name.count)) + le(UInt16(extra.count))
        return out + name + extra
    }

    /// `PK\x07\x08` + CRC + sizes: u64 sizes when the record or its offset needs ZIP64 (as torch).
    static func dataDescriptor(crc: UInt32, size: Int, wide: Bool) -> [UInt8] {
        var out = le(UInt32(0x0807_4B50)) + le(crc)
        if wide {
            out += le(UInt64(size)) + le(UInt64(size))
        } else {
            out += le(UInt32(size)) + le(UInt32(size))
        }
        return out
    }

    /// Central-directory entry; overflowing fields are 0xFFFFFFFF and move to a ZIP64 extra in
    /// APPNOTE order (uncompressed size, compressed size, header offset).
    static func centralEntry(_ record: Record) -> [UInt8] {
        let bigSize = record.size >= limit32
        let bigOffset = record.headerOffset >= limit32
        var zip64: [UInt8] = []
        if bigSize { zip64 += le(UInt64(record.size)) + le(UInt64(record.size)) }
        if bigOffset { zip64 += le(UInt64(record.headerOffset)) }
        let extra = zip64.isEmpty ? [] : le(UInt16(1)) + le(UInt16(zip64.count)) + zip64
        let size32 = bigSize ? UInt32(limit32) : UInt32(record.size)
        let version: UInt16 = zip64.isEmpty ? 20 : 45
        var out = le(UInt32(0x0201_4B50)) + le(UInt16(45)) + le(version) + le(flags) + le(UInt16(0))
        out += le(dosTime) + le(dosDate) + le(record.crc) + le(size32) + le(size32)
        out += le(UInt16(record.name.count)) + le(UInt16(extra.count)) + le(UInt16(0))
        out += le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0))
        out += le(bigOffset ? UInt32(limit32) : UInt32(record.headerOffset))
        return out + record.name + extra
    }

    /// ZIP64 end-of-central-directory record, its locator, and the classic end record.
    static func endRecords(count: Int, directorySize: Int, directoryOffset: Int, zip64Offset: Int) -> [UInt8] {
        var out = le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45))
        out += le(UInt32(0)) + le(UInt32(0)) + le(UInt64(count)) + le(UInt64(count))
        out += le(UInt64(directorySize)) + le(UInt64(directoryOffset))
        out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(zip64Offset)) + le(UInt32(1))
        let count16 = count >= 0xFFFF ? UInt16(0xFFFF) : UInt16(count)
        let size32 = directorySize >= limit32 ? UInt32(limit32) : UInt32(directorySize)
        let offset32 = directoryOffset >= limit32 ? UInt32(limit32) : UInt32(directoryOffset)
        out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(count16) + le(count16)
        out += le(size32) + le(offset32) + le(UInt16(0))
        return out
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
