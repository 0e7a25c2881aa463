import CLibzip
import WeightPortCore

/// Inflates compressed zip records through libzip, one entry at a time, into fresh regions.
///
/// Stored records never come here (`ZipDirectory.storedData` slices them); this is for
/// `np.savez_compressed` and other deflated members. Memory stays bounded: the size the central
/// directory declares is checked against what the compressed bytes could possibly expand to
/// before anything is allocated, and the inflated bytes must match that size and the CRC-32.
public final class ZipInflater {
    /// Deflate cannot expand data by more than about 1032:1, so a larger declared ratio is a lie.
    public static let maxExpansion = 1032

    private let bytes: ByteRegion
    private let archive: OpaquePointer

    /// Opens the archive in `bytes` (kept alive, not copied) for inflation.
    public init(_ bytes: ByteRegion) throws(FormatError) {
        var code: Int32 = 0
        guard let archive = wp_zip_open_buffer(bytes.base, UInt64(bytes.count), &code) else {
            throw .malformed("libzip cannot open the archive: \(ZipInflater.message(code))", offset: nil)
        }
        self.bytes = bytes
        self.archive = archive
    }

    deinit { wp_zip_close(archive) }

    /// The uncompressed bytes of `entry`, checked for size and CRC-32.
    public func inflate(_ entry: ZipDirectory.Entry) throws(FormatError) -> ByteRegion {
        let declared = entry.uncompressedSize
        let (limit, overflow) = max(entry.compressedSize, 1).multipliedReportingOverflow(by: ZipInflater.maxExpansion)
        guard declared >= 0, entry.compressedSize <= bytes.count, overflow || declared <= limit else {
            throw .limitExceeded("zip record '\(entry.name)' declares \(declared) bytes from \(entry.compressedSize) compressed", offset: entry.localHeaderOffset)
        }
        var produced: Int64 = 0
        var code: Int32 = 0
        let region = ByteRegion(count: declared) { buffer in
            produced = wp_zip_read_index(archive, UInt64(entry.index), buffer.baseAddress, UInt64(declared), &code)
        }
        guard produced >= 0 else {
            throw .malformed("zip record '\(entry.name)' cannot be inflated: \(ZipInflater.message(code))", offset: entry.localHeaderOffset)
        }
        guard produced == Int64(declared) else {
            let actual = produced > Int64(declared) ? "more than \(declared)" : "\(produced)"
            throw .malformed("zip record '\(entry.name)' inflates to \(actual) bytes, the directory declares \(declared)", offset: entry.localHeaderOffset)
        }
        let crc = FastCRC32.checksum(region.bytes)
        guard crc == entry.crc32 else {
            throw .malformed("zip record '\(entry.name)' fails its CRC-32 check", offset: entry.localHeaderOffset)
        }
        return region
    }

    private static func message(_ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: 256)
        wp_zip_error_message(code, &text, UInt64(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
