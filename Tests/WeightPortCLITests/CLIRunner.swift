import Foundation
import XCTest

/// Runs the built `weightport` executable as a user would and captures what it prints.
struct CLIRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
    }

    /// The executable sits next to the test binary (Linux) or bundle (macOS) in the build products folder.
    static var executable: URL {
        let testBinary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        let candidates = [testBinary.deletingLastPathComponent(), Bundle.main.bundleURL,
                          Bundle.main.bundleURL.deletingLastPathComponent()]
        let found = candidates.map { $0.appendingPathComponent("weightport") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return found ?? candidates[0].appendingPathComponent("weightport")
    }

    static func run(_ arguments: [String], timeout: Double = 30) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let start = Date()
        try process.run()
        // Drain both pipes concurrently so a large output cannot block the child.
        let outData = LockedData(), errData = LockedData()
        let group = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            group.enter()
            DispatchQueue.global().async {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw CLITimeout(arguments: arguments, seconds: timeout)
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData.value, as: UTF8.self),
                      stderr: String(decoding: errData.value, as: UTF8.self),
                      seconds: Date().timeIntervalSince(start))
    }
}

/// A run that hung: a failure, never a skip.
struct CLITimeout: Error {
    let arguments: [String]
    let seconds: Double
}

/// Data written by one reader thread and read after it finished.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data }
}
