import CSystem
import Foundation

/// The last step every writer shares: a finished temporary file beside the destination becomes
/// the destination, whole or not at all, fsync'ed when `WEIGHTPORT_FSYNC=1`.
///
/// Writers that stream bytes (`AtomicFileWriter`) and writers that hand a path to a library
/// (libhdf5 for bundles) both publish through this one type, so durability and the refusal to
/// replace a file that appeared meanwhile behave the same for every output format.
public struct AtomicPublisher: Sendable {
    /// Why publishing failed.
    public enum Failure: Error, Sendable, Equatable {
        case destinationExists
        case system(String)
    }

    public let destination: String
    public let overwrite: Bool
    /// A hidden file beside the destination (same folder, so the rename stays on one file system).
    public let temporaryPath: String

    /// Whether outputs are fsync'ed before and after the rename (`WEIGHTPORT_FSYNC=1`). Off by
    /// default, like `torch.save` and safetensors: the temporary file and rename already make an
    /// output appear whole or not at all to every reader; fsync adds survival of a power cut,
    /// at the price of waiting for the disk (measured 0.2–0.3 s on a 250 MB output here).
    public static let durable = EnvironmentVariable.value("WEIGHTPORT_FSYNC") == "1"

    /// Where `temporaryPath` is registered for removal on an interrupting signal (see
    /// `wp_temp_cleanup_on_signals`, which the command line installs).
    private let cleanupSlot: Int32

    public init(destination: String, overwrite: Bool) {
        self.destination = destination
        self.overwrite = overwrite
        let (folder, name) = AtomicPublisher.split(destination)
        temporaryPath = folder + "." + name + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        cleanupSlot = wp_temp_register(temporaryPath)
    }

    /// fsyncs the temporary file (when durable) and moves it into place; without `overwrite`,
    /// `link` refuses atomically if a file appeared at the destination meanwhile (rename would
    /// silently replace it). The temporary file is gone afterwards either way.
    public func publish() throws(Failure) {
        do {
            if AtomicPublisher.durable { try AtomicPublisher.sync(path: temporaryPath) }
            try move()
        } catch {
            discard()
            throw error
        }
        wp_temp_unregister(cleanupSlot, temporaryPath)
        // Makes the rename durable; a failure here cannot undo the (already visible) output.
        let folder = AtomicPublisher.split(destination).folder
        if AtomicPublisher.durable { try? AtomicPublisher.sync(path: folder.isEmpty ? "." : folder) }
    }

    /// Removes the temporary file; the destination is untouched.
    public func discard() {
        unlink(temporaryPath)
        wp_temp_unregister(cleanupSlot, temporaryPath)
    }

    private func move() throws(Failure) {
        if overwrite {
            guard rename(temporaryPath, destination) == 0 else { throw .system("rename: " + AtomicPublisher.lastError()) }
            return
        }
        guard link(temporaryPath, destination) == 0 else {
            let code = errno
            if code == EEXIST { throw .destinationExists }
            guard code == EPERM || code == EOPNOTSUPP || code == ENOSYS else {
                throw .system("link: " + String(cString: strerror(code)))
            }
            // File systems without hard links (FAT, some network mounts): check, then rename.
            // Only a file created in the instant between the two could be replaced.
            if AtomicPublisher.exists(destination) { throw .destinationExists }
            guard rename(temporaryPath, destination) == 0 else { throw .system("rename: " + AtomicPublisher.lastError()) }
            return
        }
        unlink(temporaryPath)
    }

    /// fsync of a file or folder by path.
    static func sync(path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open for fsync: " + lastError()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system("fsync: " + lastError()) }
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The folder part (with its trailing `/`, empty for the current folder) and the file name.
    public static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
