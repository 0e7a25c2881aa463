import Foundation
import XCTest
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport

/// Every file in fixtures/bad/expected_pickle.json must be refused with a typed error naming
/// the problem (and its byte offset where one is promised), quickly and without trapping.
final class PickleBadInputTests: XCTestCase {
    func testEveryBadFileIsRejected() throws {
        let entries = try XCTUnwrap(Fixtures.json("bad/expected_pickle.json") as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(entries.count, 25)
        for entry in entries {
            let relative = try XCTUnwrap(entry["file"] as? String)
            let expected = try XCTUnwrap(entry["error_contains"] as? String)
            let reader = PickleExpectations.reader(for: relative, format: entry["format"] as? String)
            let bytes = try Fixtures.bytes(relative)
            let start = Date()
            XCTAssertThrowsError(try reader(bytes), relative) { error in
                guard let diagnostic = error as? Diagnostic else {
                    return XCTFail("\(relative): \(error) is not a Diagnostic")
                }
                let message = diagnostic.what + " (" + (diagnostic.location ?? "-") + ")"
                XCTAssertTrue(message.contains(expected), "\(relative): '\(message)' lacks '\(expected)'")
                if let offset = entry["offset"] as? Int {
                    XCTAssertEqual(diagnostic.location, "byte \(offset)", "\(relative): \(message)")
                }
            }
            // Deep nesting and huge declared lengths must fail fast, not grind.
            XCTAssertLessThan(Date().timeIntervalSince(start), 2.0, "\(relative) took too long")
        }
    }

    /// The disallowed global is reported as such (not as some later failure), with its name.
    func testDisallowedGlobalsAreTypedErrors() throws {
        let cases = [("bad/pkl_posix_system_p2.pkl", "posix", "system"), ("bad/pkl_os_system_p4.pkl", "os", "system"),
                     ("bad/pkl_builtins_eval.pkl", "builtins", "eval")]
        for (relative, module, name) in cases {
            XCTAssertThrowsError(try PickleReader.read(try Fixtures.bytes(relative))) { error in
                guard case .disallowedGlobal(let m, let n, _)? = error as? FormatError else {
                    return XCTFail("\(relative): \(error)")
                }
                XCTAssertEqual([m, n], [module, name])
            }
        }
    }

    /// Storage overflow names the tensor and the sizes (FORMATS.md §4.7 data.pkl, size 100 over 6 floats).
    func testStorageOverflowNamesTensor() throws {
        XCTAssertThrowsError(try TorchZipReader.read(try Fixtures.bytes("bad/torch_storage_overflow.pt"))) { error in
            XCTAssertEqual(error as? FormatError, .storageOverflow(tensor: "w", neededBytes: 400, availableBytes: 24))
        }
    }
}
