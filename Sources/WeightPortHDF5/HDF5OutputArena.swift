import CSystem
import Foundation
import WeightPortCore

/// The reader child's storage for dataset values: windows of the memory file it hands back, so
/// libhdf5 reads each dataset straight into the pages the parent will map — no copy on either
/// side. Each allocation grows the file (64-byte aligned offsets, from byte 64) and maps a shared
/// window over it; the window is unmapped when its last region goes.
final class HDF5OutputArena {
    private let descriptor: Int32
    /// Where the data written so far ends.
    private(set) var end = HDF5ReaderOutput.alignment
    /// Base address of each allocation → its offset in the file.
    private var offsets: [UnsafeRawPointer: Int] = [:]

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// `bytes` of storage at the next aligned offset, filled by `fill`.
    func allocate(_ bytes: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) throws -> ByteRegion {
        let offset = HDF5ReaderOutput.align(end)
        guard bytes > 0 else {
            fill(UnsafeMutableRawBufferPointer(start: nil, count: 0))
            return .empty
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let windowStart = offset / page * page
        let windowLength = offset + bytes - windowStart
        // The pages allocated in one call and mapped at once, so libhdf5 copies into present
        // pages instead of faulting on each 4 KiB page of the memory file.
        guard wp_allocate_range(descriptor, Int64(offset), Int64(bytes)) == 0 || ftruncate(descriptor, off_t(offset + bytes)) == 0 else {
            throw failure("grow the memory file")
        }
        let mapped = mmap(nil, windowLength, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, descriptor, off_t(windowStart))
        guard let mapped, mapped != MAP_FAILED else { throw failure("map the memory file") }
        let window = Window(address: mapped, length: windowLength)
        let base = mapped + (offset - windowStart)
        fill(UnsafeMutableRawBufferPointer(start: base, count: bytes))
        end = offset + bytes
        offsets[UnsafeRawPointer(base)] = offset
        return ByteRegion(base: UnsafeRawPointer(base), count: bytes, keptAliveBy: window)
    }

    /// The file offset of `region` when it is one of this arena's allocations.
    func offset(of region: ByteRegion) -> Int? {
        region.count > 0 ? offsets[region.base] : nil
    }

    private func failure(_ what: String) -> HDF5Error {
        .limitExceeded("cannot \(what): \(String(cString: strerror(errno)))", path: nil)
    }

    private final class Window {
        let address: UnsafeMutableRawPointer
        let length: Int
        init(address: UnsafeMutableRawPointer, length: Int) {
            self.address = address
            self.length = length
        }
        deinit { munmap(address, length) }
    }
}
