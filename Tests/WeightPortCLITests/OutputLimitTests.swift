import Foundation
import WeightPortTestSupport
import XCTest

/// A write that fails part-way (here the file-size limit, `ulimit -f`, as a full disk would) ends
/// every output format with one line and exit status 1, and leaves no file behind.
///
/// A bundle used to crash *after* reporting it: libhdf5's exit handler tried again to close the
/// file whose close had failed (SIGSEGV in H5F__close_cb).
final class OutputLimitTests: XCTestCase {
    /// Runs the CLI through /bin/sh with SIGXFSZ ignored (so a write past the limit fails with
    /// EFBIG instead of killing the process) and the file size limited to `blocks` × 512 bytes.
    private func runLimited(_ arguments: [String], blocks: Int) throws -> (status: Int32, signalled: Bool, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" \"$@\"", CLIRunner.executable.path] + arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, String(decoding: data, as: UTF8.self))
    }

    func testEveryFormatFailsCleanlyWhenTheWriteIsCutShort() throws {
        let source = Fixtures.path("demo/model_final.pkl")   // 462 KB: every output needs ~450 KB
        for (command, name) in [("convert", "out.h5"), ("export", "out2.h5"), ("convert", "out.safetensors"),
                                ("convert", "out.pth"), ("convert", "out.pkl")] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wp-limit-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let output = folder + "/" + name
            let result = try runLimited([command, source, "-o", output], blocks: 200)   // 100 KiB
            XCTAssertFalse(result.signalled, "\(command) \(name) died of a signal: \(result.stderr)")
            XCTAssertEqual(result.status, 1, "\(command) \(name): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(command) \(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("weightport: \(output): "), result.stderr)
            XCTAssertTrue(result.stderr.contains("File too large"), result.stderr)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "\(command) \(name) left a file")
        }
    }
}
