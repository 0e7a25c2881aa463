import Foundation
import XCTest
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport

/// Every good pickle-family fixture, read by WeightPort and compared with what numpy/torch
/// computed in fixtures/gen_pickle.py (formats/expected_pickle.json).
final class PickleFixtureTests: XCTestCase {
    func testNumpyAndDetectronPickles() throws {
        try PickleExpectations.checkAll(format: "pickle", minimumFiles: 9)
    }

    func testTorchZipArchives() throws {
        try PickleExpectations.checkAll(format: "torch-zip", minimumFiles: 3)
    }

    func testTorchLegacyFiles() throws {
        try PickleExpectations.checkAll(format: "torch-legacy", minimumFiles: 1)
    }

    /// Views of one storage must share its bytes: same storage base, no copy.
    func testViewsShareOneStorage() throws {
        let entries = try PickleExpectations.entries().filter { $0["shared_storage"] != nil }
        XCTAssertEqual(entries.count, 2)
        for entry in entries {
            let file = try PickleExpectations.read(entry)
            for group in entry["shared_storage"] as? [[String]] ?? [] {
                let bases = try group.map { name -> UnsafeRawPointer in
                    let tensor = try XCTUnwrap(file.tensors[name], "\(name) missing")
                    return tensor.storage.base
                }
                XCTAssertEqual(Set(bases).count, 1, "\(entry["file"]!): \(group) do not share one storage")
            }
        }
    }

    /// Tensor bytes stay inside the mapped file (zero copy) for BINSTRING/BINBYTES/BYTEARRAY8 payloads and torch records.
    func testPayloadsAreSlicesOfTheFile() throws {
        for relative in ["formats/pkl_py2_detectron.pkl", "formats/pkl_np2_p4.pkl", "formats/pkl_np2_p5.pkl",
                         "formats/torch_tiny_resnet.pt", "formats/torch_legacy.pt"] {
            let bytes = try Fixtures.bytes(relative)
            let file = try PickleExpectations.reader(for: relative)(bytes)
            XCTAssertFalse(file.tensors.isEmpty)
            let range = bytes.base..<(bytes.base + bytes.count)
            for (name, tensor) in file.tensors {
                XCTAssertTrue(range.contains(tensor.storage.base), "\(relative): \(name) was copied")
            }
        }
    }
}

/// Reads expected_pickle.json and compares readers' output with it.
enum PickleExpectations {
    static func entries() throws -> [[String: Any]] {
        try XCTUnwrap(Fixtures.json("formats/expected_pickle.json") as? [[String: Any]])
    }

    static func reader(for relative: String, format: String? = nil) -> (ByteRegion) throws -> WeightFile {
        let fmt = format ?? (relative.hasSuffix(".pkl") ? "pickle" : relative.contains("legacy") ? "torch-legacy" : "torch-zip")
        switch fmt {
        case "torch-zip": return TorchZipReader.read
        case "torch-legacy": return TorchLegacyReader.read
        default: return PickleReader.read
        }
    }

    static func read(_ entry: [String: Any]) throws -> WeightFile {
        let relative = try XCTUnwrap(entry["file"] as? String)
        return try reader(for: relative, format: entry["format"] as? String)(try Fixtures.bytes(relative))
    }

    static func checkAll(format: String, minimumFiles: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let selected = try entries().filter { $0["format"] as? String == format }
        XCTAssertGreaterThanOrEqual(selected.count, minimumFiles, file: file, line: line)
        for entry in selected {
            let name = entry["file"] as? String ?? "?"
            let weights = try read(entry)
            XCTAssertEqual(weights.format, format, name)
            let tensors = try XCTUnwrap(entry["tensors"] as? [[String: Any]])
            XCTAssertEqual(weights.tensors.names, tensors.compactMap { $0["name"] as? String }, "\(name): tensor names")
            for expected in tensors {
                try checkTensor(expected, in: weights, file: name)
            }
            let metadata = try XCTUnwrap(entry["metadata"] as? [String: Any])
            for (key, value) in metadata {
                let actual = weights.metadataJSON[key]
                XCTAssertTrue(actual.map { matches(value, $0) } ?? false,
                              "\(name): metadata \(key) is \(actual?.serialized() ?? "missing"), expected \(value)")
            }
        }
    }

    static func checkTensor(_ expected: [String: Any], in weights: WeightFile, file: String) throws {
        let name = try XCTUnwrap(expected["name"] as? String)
        let label = "\(file): \(name)"
        let tensor = try XCTUnwrap(weights.tensors[name], "\(label) missing")
        XCTAssertEqual(tensor.dtype.rawValue, expected["dtype"] as? String, label)
        XCTAssertEqual(tensor.shape, expected["shape"] as? [Int], label)
        XCTAssertEqual(tensor.byteCount, expected["bytes"] as? Int, label)
        // Head values are exact: every dtype here converts to Double without rounding, in numpy as
        // here. They are read from hex-float strings because Foundation's JSON parser rounds decimals.
        let head = try XCTUnwrap(expected["head_hex"] as? [String]).compactMap { Double($0) }
        XCTAssertEqual(head.count, (expected["head"] as? [Any])?.count, "\(label): head_hex")
        XCTAssertEqual(Array(tensor.doubles().prefix(8)), head, "\(label): head")
        let stats = TensorStatistics.compute(tensor)
        for (key, actual) in [("min", stats.min), ("max", stats.max), ("mean", stats.mean), ("std", stats.std)] {
            guard let value = expected[key] as? Double else {
                XCTAssertTrue(actual.isNaN, "\(label): \(key) of an empty tensor should be NaN")
                continue
            }
            // Both sides accumulate in float64 but in different orders (numpy pairwise, ours
            // shifted sums), so results agree to rounding noise: 1e-6 relative plus 1e-9 absolute.
            XCTAssertEqual(actual, value, accuracy: 1e-6 * abs(value) + 1e-9, "\(label): \(key)")
        }
    }

    /// Expected JSON (Foundation objects) against a metadata value; objects match as subsets.
    static func matches(_ expected: Any, _ actual: JSONValue) -> Bool {
        switch (expected, actual) {
        case (is NSNull, .null): return true
        case (let e as String, .string(let a)): return e == a
        // Foundation on Linux gives bools as NSNumber too; the actual value's case decides.
        case (let e as NSNumber, .bool(let a)): return e.boolValue == a
        case (let e as NSNumber, .int(let a)): return e.doubleValue == Double(a)
        case (let e as NSNumber, .double(let a)): return e.doubleValue == a
        case (let e as [Any], .array(let a)): return e.count == a.count && zip(e, a).allSatisfy { matches($0, $1) }
        case (let e as [String: Any], .object):
            return e.allSatisfy { key, value in actual[key].map { matches(value, $0) } ?? false }
        default: return false
        }
    }
}
