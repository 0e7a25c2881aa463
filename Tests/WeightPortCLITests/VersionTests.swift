import Foundation
import WeightPortTestSupport
import XCTest

/// `weightport --version` prints the version its bundles record (one source: WeightPortVersion).
final class VersionTests: XCTestCase {
    func testVersionIsTheOneBundlesRecord() throws {
        let version = try CLIRunner.run(["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        let printed = version.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(printed.isEmpty)
        let bundle = FileManager.default.temporaryDirectory.appendingPathComponent("wp-version-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        let convert = try CLIRunner.run(["convert", Fixtures.path("conventions/torchvision.pth"), "-o", bundle])
        XCTAssertEqual(convert.status, 0, convert.stderr)
        let inspect = try CLIRunner.run(["inspect", bundle, "--json"])
        let root = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        let metadata = try XCTUnwrap(root?["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["tool_version"] as? String, printed)
    }
}
