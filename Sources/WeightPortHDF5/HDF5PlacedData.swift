import WeightPortCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dataset bytes whose space libhdf5 has allocated but not written (`wp_h5_write_dataset`'s
/// `placed`), written by this process through a descriptor of its own (`HDF5File.writePlacedData`).
///
/// Why not let libhdf5 write them: it hands the kernel one `pwrite` per dataset, and writes of
/// tens of MB into the page cache stall on this kind of machine (see `AtomicFileWriter`); a
/// 254 MB bundle's datasets took ~200 ms that way against ~50 ms in 1 MiB pieces.
struct HDF5PlacedData {
    private var regions: [(offset: UInt64, bytes: ByteRegion)] = []
    static let piece = 1 << 20

    mutating func append(offset: UInt64, bytes: ByteRegion) {
        regions.append((offset, bytes))
    }

    /// Writes every region at its offset in the file at `path`, in file order.
    func write(into path: String) throws {
        guard !regions.isEmpty else { return }
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileAccessError.cannotWrite(path: path, reason: HDF5PlacedData.lastError()) }
        defer { close(descriptor) }
        for region in regions.sorted(by: { $0.offset < $1.offset }) {
            try withExtendedLifetime(region.bytes) {
                try HDF5PlacedData.write(region.bytes.base, count: region.bytes.count, at: region.offset, descriptor, path)
            }
        }
    }

    private static func write(_ base: UnsafeRawPointer, count: Int, at offset: UInt64, _ descriptor: Int32, _ path: String) throws {
        var done = 0
        while done < count {
            let n = pwrite(descriptor, base + done, min(count - done, piece), off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileAccessError.cannotWrite(path: path, reason: lastError())
            }
            done += n
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
