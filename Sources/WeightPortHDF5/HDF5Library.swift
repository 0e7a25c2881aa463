import CHDF5
import Foundation
import WeightPortCore

/// Errors from libhdf5 or from HDF5 content WeightPort cannot represent.
public enum HDF5Error: Error, Sendable, Equatable {
    /// libhdf5 refused an operation; `message` is its own description, `path` the object involved.
    case library(operation: String, message: String, path: String?)
    /// The file holds something WeightPort does not read or write (with the reason).
    case unsupported(String, path: String?)
    /// A declared size exceeds what the reader is willing to allocate.
    case limitExceeded(String, path: String?)
    /// libhdf5 could not be loaded (`reason` names the libraries tried, or the missing symbol).
    case libraryUnavailable(reason: String)
    /// The isolated reader's process died (`how`: the signal, `SIGSEGV`, or its exit status)
    /// while libhdf5 read the file.
    case readerCrashed(String)
    /// The isolated reader's process was stopped after `seconds` (CPU or wall-clock limit).
    case readerTimedOut(seconds: Int)
    /// The isolated reader could not be run, or handed back something malformed.
    case readerFailed(String)
}

extension HDF5Error: Diagnostic {
    public var what: String {
        switch self {
        case .library(let operation, let message, _): return "HDF5: cannot \(operation): \(message)"
        case .unsupported(let message, _): return "HDF5: unsupported: \(message)"
        case .limitExceeded(let message, _): return "HDF5: safety limit exceeded: \(message)"
        case .libraryUnavailable(let reason): return "HDF5: \(reason)"
        case .readerCrashed(let how): return "libhdf5 crashed reading this file (\(how)); the file is corrupt or hostile"
        case .readerTimedOut(let seconds):
            return "libhdf5 did not finish reading this file within \(seconds) s and was stopped; the file is corrupt or hostile"
        case .readerFailed(let message): return "HDF5: \(message)"
        }
    }

    public var location: String? {
        switch self {
        case .library(_, _, let path), .unsupported(_, let path), .limitExceeded(_, let path):
            return path.map { "object /\($0)" }
        case .libraryUnavailable, .readerCrashed, .readerTimedOut, .readerFailed: return nil
        }
    }
}

/// The one door to libhdf5. The serial library is not thread-safe, so every call made by this
/// module runs under one process-wide lock (recursive, so helpers may nest). The library is
/// loaded (dlopen) by the first call; when it cannot be, every call throws `.libraryUnavailable`.
enum HDF5Library {
    private static let lock = NSRecursiveLock()
    // Set once, by the first call: loads libhdf5 and stops it printing error stacks to stderr.
    private nonisolated(unsafe) static var loadFailure: HDF5Error??

    // Set in a forked reader child: its one thread cannot take the lock, which the parent's
    // thread held when it forked (the owner recorded in it is that thread, not this one).
    private nonisolated(unsafe) static var forkedChild = false

    static func locked<T>(_ body: () throws -> T) throws -> T {
        if forkedChild { return try loaded(body) }
        lock.lock()
        defer { lock.unlock() }
        return try loaded(body)
    }

    /// Called first thing in a forked reader child (`HDF5IsolatedReader`), which is single-threaded.
    static func enterForkedChild() { forkedChild = true }

    private static func loaded<T>(_ body: () throws -> T) throws -> T {
        if loadFailure == nil {
            loadFailure = .some(wp_h5_init() == 0 ? nil : .libraryUnavailable(reason: String(cString: wp_h5_load_error())))
        }
        if let failure = loadFailure ?? nil { throw failure }
        return try body()
    }

    /// Holds the lock around `body` (a fork: no other thread is then inside libhdf5).
    static func holdingLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The pending libhdf5 error as a Diagnostic (clears libhdf5's error stack).
    static func error(_ operation: String, path: String? = nil) -> HDF5Error {
        var buffer = [CChar](repeating: 0, count: 512)
        wp_h5_error_message(&buffer, buffer.count)
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .library(operation: operation, message: message, path: path)
    }

    /// Throws the pending error when `status` is negative.
    static func check(_ status: Int32, _ operation: String, path: String? = nil) throws {
        if status < 0 { throw error(operation, path: path) }
    }

    static func check(_ id: wp_hid_t, _ operation: String, path: String? = nil) throws -> wp_hid_t {
        if id < 0 { throw error(operation, path: path) }
        return id
    }
}
