import Foundation
import WeightPortTestSupport
import XCTest

/// `weightport inspect` end to end, driven by the expected-value files the fixture generators
/// write from NumPy/PyTorch/h5py/protobuf: every committed format fixture and every bad input.
final class InspectCommandTests: XCTestCase {
    /// Every `fixtures/<dir>/expected_*.json` list, concatenated.
    static func expectations(_ directory: String) throws -> [[String: Any]] {
        let folder = Fixtures.root.appendingPathComponent(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return try names.filter { $0.hasPrefix("expected_") && $0.hasSuffix(".json") }.sorted().flatMap { name in
            let value = try Fixtures.json("\(directory)/\(name)")
            return (value as? [[String: Any]]) ?? []
        }
    }

    func testJSONOutputMatchesReferenceForEveryFormatFixture() throws {
        let cases = try Self.expectations("formats")
        XCTAssertGreaterThan(cases.count, 0, "no format fixtures found")
        for expected in cases {
            let file = try XCTUnwrap(expected["file"] as? String)
            let result = try CLIRunner.run(["inspect", Fixtures.path(file), "--json", "--stats"])
            XCTAssertEqual(result.status, 0, "\(file): \(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let json = try XCTUnwrap(object, "\(file): stdout is not one JSON object")
            XCTAssertEqual(json["format"] as? String, expected["format"] as? String, file)
            try compareTensors(json["tensors"] as? [[String: Any]] ?? [], expected["tensors"] as? [[String: Any]] ?? [], file)
        }
    }

    func compareTensors(_ actual: [[String: Any]], _ expected: [[String: Any]], _ file: String) throws {
        let byName = Dictionary(actual.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(actual.count, expected.count, "\(file): tensor count")
        for e in expected {
            let name = e["name"] as? String ?? ""
            guard let a = byName[name] else { XCTFail("\(file): missing tensor \(name)"); continue }
            XCTAssertEqual(a["dtype"] as? String, e["dtype"] as? String, "\(file):\(name) dtype")
            XCTAssertEqual(a["shape"] as? [Int], e["shape"] as? [Int], "\(file):\(name) shape")
            XCTAssertEqual(a["bytes"] as? Int, e["bytes"] as? Int, "\(file):\(name) bytes")
            for key in ["min", "max", "mean", "std"] {
                guard let want = (e[key] as? NSNumber)?.doubleValue else { continue }
                guard let got = (a[key] as? NSNumber)?.doubleValue else {
                    // NaN statistics travel as the string "nan" in both files.
                    XCTAssertEqual(a[key] as? String, e[key] as? String, "\(file):\(name) \(key)")
                    continue
                }
                // Both sides accumulate in float64 but in different orders and chunkings:
                // agreement to 1e-6 relative (plus 1e-9 absolute near zero) is what that allows.
                XCTAssertEqual(got, want, accuracy: 1e-6 * abs(want) + 1e-9, "\(file):\(name) \(key)")
            }
        }
    }

    func testEveryBadInputFailsWithOneLineNamingTheFile() throws {
        let cases = try Self.expectations("bad")
        XCTAssertGreaterThan(cases.count, 0, "no bad-input fixtures found")
        for expected in cases {
            let file = try XCTUnwrap(expected["file"] as? String)
            let path = Fixtures.path(file)
            let result = try CLIRunner.run(["inspect", path, "--stats"], timeout: 20)
            XCTAssertEqual(result.status, 1, "\(file) should fail with exit 1, stderr: \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(file): nothing on stdout")
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(file): exactly one error line, got \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("weightport: \(path): "), "\(file): \(result.stderr)")
            if let needle = expected["error_contains"] as? String {
                XCTAssertTrue(result.stderr.localizedCaseInsensitiveContains(needle), "\(file): '\(needle)' not in \(result.stderr)")
            }
            if let offset = expected["offset"] as? Int {
                XCTAssertTrue(result.stderr.contains("byte \(offset)"), "\(file): offset \(offset) not in \(result.stderr)")
            }
            // "Within a couple of seconds": generous for a loaded CI machine, still catches a hang.
            XCTAssertLessThan(result.seconds, 10, "\(file) took \(result.seconds) s")
        }
    }

    func testMissingFileIsOneLineError() throws {
        let result = try CLIRunner.run(["inspect", "/nonexistent/weights.pkl"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "weightport: /nonexistent/weights.pkl: cannot open: No such file or directory\n")
    }
}
