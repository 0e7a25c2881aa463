import Foundation
import WeightPortTestSupport
import XCTest

/// An HDF5 file that makes libhdf5 misbehave is read by a re-exec'd child of the CLI: the
/// command fails with one line naming the file, and the weightport process itself survives.
final class HostileHDF5Tests: XCTestCase {
    func testLibhdf5HangIsOneLineAndExitStatusOne() throws {
        let path = Fixtures.path("bad/libhdf5/timeout-02697485.h5")
        let result = try CLIRunner.run(["inspect", path], timeout: 60)
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        let line = String(lines.first ?? "")
        XCTAssertTrue(line.hasPrefix("weightport: \(path): libhdf5 did not finish reading this file within "), line)
        XCTAssertTrue(line.hasSuffix(" s and was stopped; the file is corrupt or hostile"), line)
    }

    func testLibhdf5InvalidFreeReproducerIsACleanError() throws {
        let path = Fixtures.path("bad/libhdf5/crash-8c282998.h5")
        let result = try CLIRunner.run(["inspect", path, "--json"], timeout: 60)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.hasPrefix("weightport: \(path): HDF5: cannot "), result.stderr)
    }

    func testGoodBundleStillReadsThroughTheChild() throws {
        let result = try CLIRunner.run(["inspect", Fixtures.path("formats/h5_mixed.h5"), "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["format"] as? String, "hdf5")
        XCTAssertEqual((object["tensors"] as? [Any])?.count, 10)
    }
}
