import Foundation
import WeightPortTestSupport
import XCTest

/// An output that cannot be written ends every format with one line naming it, exit status 1, and
/// no file left behind: a write cut short (the file-size limit, `ulimit -f`, as a full disk would)
/// and a folder that does not exist.
///
/// A bundle used to crash *after* reporting a cut-short write: libhdf5's exit handler tried again
/// to close the file whose close had failed (SIGSEGV in H5F__close_cb).
final class OutputFailureTests: XCTestCase {
    /// Runs the CLI through /bin/sh with the file size limited to `blocks` × 512 bytes. SIGXFSZ
    /// is left at its default: the CLI ignores it itself, so a write past the limit fails with
    /// EFBIG instead of killing the process.
    private func runLimited(_ arguments: [String], blocks: Int) throws -> (status: Int32, signalled: Bool, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap - XFSZ; ulimit -f \(blocks); exec \"$0\" \"$@\"", CLIRunner.executable.path] + arguments
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

    /// The bundle writer's error used to be libhdf5's account of the temporary file it could not
    /// create; now it reads as the other writers' does.
    func testMissingFolderIsTheSameLineForEveryFormat() throws {
        let source = Fixtures.path("demo/model_final.pkl")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wp-missing-\(UUID().uuidString)").path
        for (command, name) in [("convert", "x.h5"), ("export", "x.h5"), ("convert", "x.safetensors"), ("convert", "x.pth"),
                                ("convert", "x.pkl")] {
            let output = folder + "/" + name
            let result = try CLIRunner.run([command, source, "-o", output])
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertEqual(result.stderr, "weightport: \(output): cannot write: No such file or directory\n", "\(command) \(name)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder))
    }
}
