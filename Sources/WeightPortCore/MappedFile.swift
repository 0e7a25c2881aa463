import CSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only memory maps of whole files. Tensors slice the map; it is unmapped when the last slice goes.
public enum MappedFile {
    /// Maps `path`. An empty file maps to an empty region (mmap refuses zero lengths).
    /// `prefault` maps every page before returning — one kernel call instead of tens of thousands
    /// of faults, for callers that will read every value at once (verification);
    /// `ByteRegion.prefaultInBackground()` does the same on the other core, later.
    public static func map(path: String, prefault: Bool = false) throws(FileAccessError) -> ByteRegion {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var keepOpen = false
        defer { if !keepOpen { close(fd) } }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .cannotOpen(path: path, reason: "is a directory") }
        let length = Int(info.st_size)
        if length == 0 { return .empty }
        #if os(Linux)
        let populate = prefault ? MAP_POPULATE : 0
        #else
        let populate: Int32 = 0
        #endif
        let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE | populate, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        _ = madvise(mapped, length, MADV_WILLNEED)
        // Only regular files: copying a slice file-to-file needs offsets that mean something.
        let regular = (info.st_mode & S_IFMT) == S_IFREG
        keepOpen = regular
        let owner = Mapping(address: mapped, length: length, descriptor: regular ? fd : -1)
        return ByteRegion(owner: owner, base: UnsafeRawPointer(mapped), count: length)
    }

    /// Returns once every page queued by `ByteRegion.releaseWrittenPages()` is dropped (unmapping
    /// waits for this by itself; tests look at the pages after it).
    public static func waitForReleasedPages() {
        wp_release_pages_drain()
    }

    /// The map, and the file kept open beside it so its slices can name their file offsets.
    private final class Mapping: FileBackedMemory {
        let address: UnsafeMutableRawPointer
        let length: Int
        let descriptor: Int32
        let readOnce = Atomic<Bool>(false)
        /// Set once any page was queued for release, so that unmapping waits for the queue.
        let released = Atomic<Bool>(false)
        init(address: UnsafeMutableRawPointer, length: Int, descriptor: Int32) {
            self.address = address
            self.length = length
            self.descriptor = descriptor
        }
        var releasesWrittenPages: Bool {
            get { readOnce.load(ordering: .relaxed) }
            set { readOnce.store(newValue, ordering: .relaxed) }
        }
        func release(_ base: UnsafeRawPointer, _ count: Int) {
            released.store(true, ordering: .relaxed)
            wp_release_pages(base, count)
        }
        deinit {
            if released.load(ordering: .relaxed) { wp_release_pages_drain() }
            munmap(address, length)
            if descriptor >= 0 { close(descriptor) }
        }
    }
}

/// Failures of the operating system to give WeightPort a file.
public enum FileAccessError: Error, Sendable {
    case cannotOpen(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
}

extension FileAccessError: Diagnostic {
    public var what: String {
        switch self {
        case .cannotOpen(_, let reason): return "cannot open: \(reason)"
        case .cannotWrite(_, let reason): return "cannot write: \(reason)"
        }
    }
    public var location: String? { nil }
}
