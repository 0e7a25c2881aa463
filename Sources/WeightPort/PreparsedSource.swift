import Foundation
import WeightPortCore

/// A source file mapped and its structure read on a helper thread from before the command line
/// is parsed, for a conversion to take instead of reading it itself.
///
/// Why: parsing the arguments takes ~2.8 ms of the main thread and the structure of a 254 MB
/// Detectron pickle ~3 ms more, and a conversion can write nothing before both; side by side
/// on two cores they take the longer of the two.
///
/// Only formats read from memory are read here: an HDF5 file goes to its isolated child process
/// from the ordinary path, as always. A file that fails to read, or that is not the file asked
/// for later (another path, or replaced meanwhile: device, inode, size and modification time
/// compared), is left to the ordinary path, which reads it again and reports any error.
public final class PreparsedSource: @unchecked Sendable {
    // `parsed` is written once by the helper before `done` is signalled; `taken` under `lock`.
    public let path: String
    private var parsed: (file: WeightFile, bytes: ByteRegion, identity: FileIdentity)?
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var taken = false

    /// Starts reading `path` on a new thread.
    public init(path: String) {
        self.path = path
        Thread.detachNewThread { [self] in
            if let identity = FileIdentity(path: path), let (file, bytes) = WeightFileLoader.readInMemory(path: path) {
                parsed = (file, bytes, identity)
            }
            done.signal()
        }
    }

    /// Returns once the helper has read the file (at once after the first time).
    func waitUntilRead() {
        done.wait()
        done.signal()
    }

    /// The parsed file and its map when `path` is still the file this read; nil otherwise, and
    /// on every call after the first (the map then belongs to the caller).
    func take(path: String) -> (WeightFile, ByteRegion)? {
        guard path == self.path else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard !taken else { return nil }
        taken = true
        waitUntilRead()
        defer { parsed = nil }
        guard let parsed, FileIdentity(path: path) == parsed.identity else { return nil }
        return (parsed.file, parsed.bytes)
    }
}

/// What tells one file from another at the same path, or the same file rewritten.
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    /// Nil when `path` cannot be read or is not a regular file.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    }
}
