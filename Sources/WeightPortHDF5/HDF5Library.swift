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
}

extension HDF5Error: Diagnostic {
    public var what: String {
        switch self {
        case .library(let operation, let message, _): return "HDF5: cannot \(operation): \(message)"
        case .unsupported(let message, _): return "HDF5: unsupported: \(message)"
        case .limitExceeded(let message, _): return "HDF5: safety limit exceeded: \(message)"
        }
    }

    public var location: String? {
        switch self {
        case .library(_, _, let path), .unsupported(_, let path), .limitExceeded(_, let path):
            return path.map { "object /\($0)" }
        }
    }
}

/// The one door to libhdf5. The serial library is not thread-safe, so every call made by this
/// module runs under one process-wide lock (recursive, so helpers may nest).
enum HDF5Library {
    private static let lock = NSRecursiveLock()
    // Runs once, before the first call: stops libhdf5 printing error stacks to stderr.
    private nonisolated(unsafe) static var initialized = false

    static func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if !initialized {
            initialized = true
            _ = wp_h5_init()
        }
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
