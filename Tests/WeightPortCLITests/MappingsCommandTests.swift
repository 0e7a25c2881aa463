import Foundation
import WeightPortTestSupport
import XCTest

/// `mappings list` names the set of tables in use: built in, or the folder given.
final class MappingsCommandTests: XCTestCase {
    static var folder: String { Fixtures.root.deletingLastPathComponent().appendingPathComponent("mappings").path }

    func testListSaysWhichTablesAreInUse() throws {
        let builtIn = try CLIRunner.run(["mappings", "list"])
        XCTAssertEqual(builtIn.status, 0, builtIn.stderr)
        XCTAssertTrue(builtIn.stdout.hasPrefix("tables: built-in"), builtIn.stdout)
        XCTAssertTrue(builtIn.stdout.contains("detectron2"))
        let folder = try CLIRunner.run(["mappings", "list", "--mappings", Self.folder])
        XCTAssertEqual(folder.status, 0, folder.stderr)
        XCTAssertTrue(folder.stdout.hasPrefix("tables: \(Self.folder)\n"), folder.stdout)
    }

    func testMissingFolderIsReportedAsNoTables() throws {
        let missing = "/nonexistent/wp-mappings"
        for arguments in [["mappings", "list", "--mappings", missing],
                          ["convert", Fixtures.path("conventions/torchvision.pth"), "-o", "/tmp/wp-never.safetensors", "--mappings", missing]] {
            let result = try CLIRunner.run(arguments)
            XCTAssertEqual(result.status, 1)
            XCTAssertEqual(result.stderr, "weightport: \(missing): no mapping tables in \(missing)\n")
        }
    }
}
