import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// Shared by the Npy, Npz, Caffe, HDF5 and Safetensors tests: the records `gen_formats.py`
/// wrote from the real numpy/h5py/protobuf/safetensors data, and the comparison against them.
enum ExpectedFormats {
    struct BadFile {
        let file: String
        let errorContains: String
        let offset: Int?
    }

    /// Records of `fixtures/formats/expected_formats.json` whose format is `format`.
    static func records(format: String) throws -> [[String: Any]] {
        let all = try XCTUnwrap(Fixtures.json("formats/expected_formats.json") as? [[String: Any]])
        return all.filter { $0["format"] as? String == format }
    }

    static func record(_ file: String) throws -> [String: Any] {
        let all = try XCTUnwrap(Fixtures.json("formats/expected_formats.json") as? [[String: Any]])
        return try XCTUnwrap(all.first { $0["file"] as? String == "formats/" + file }, "no expectation for \(file)")
    }

    /// Bad inputs whose file name starts with `prefix`.
    static func badFiles(prefix: String) throws -> [BadFile] {
        let all = try XCTUnwrap(Fixtures.json("bad/expected_formats.json") as? [[String: Any]])
        return all.compactMap { entry in
            guard let file = entry["file"] as? String, file.hasPrefix("bad/" + prefix),
                  let contains = entry["error_contains"] as? String else { return nil }
            return BadFile(file: file, errorContains: contains, offset: entry["offset"] as? Int)
        }
    }

    /// Compares every expected tensor (and only those: `exactNames` also checks nothing extra).
    static func check(_ weights: WeightFile, against record: [String: Any], exactNames: Bool = true,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let label = record["file"] as? String ?? "?"
        XCTAssertEqual(weights.format, record["format"] as? String, label, file: file, line: line)
        let tensors = try XCTUnwrap(record["tensors"] as? [[String: Any]], file: file, line: line)
        if exactNames {
            XCTAssertEqual(Set(weights.tensors.names), Set(tensors.compactMap { $0["name"] as? String }),
                           "\(label): tensor names", file: file, line: line)
        }
        for expected in tensors {
            let name = try XCTUnwrap(expected["name"] as? String, file: file, line: line)
            guard let tensor = weights.tensors[name] else {
                XCTFail("\(label): missing tensor \(name)", file: file, line: line)
                continue
            }
            checkTensor(tensor, expected, label: "\(label) \(name)", file: file, line: line)
        }
    }

    static func checkTensor(_ tensor: Tensor, _ expected: [String: Any], label: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(tensor.dtype.rawValue, expected["dtype"] as? String, "\(label) dtype", file: file, line: line)
        XCTAssertEqual(tensor.shape, expected["shape"] as? [Int], "\(label) shape", file: file, line: line)
        XCTAssertEqual(tensor.byteCount, expected["bytes"] as? Int, "\(label) bytes", file: file, line: line)
        // Head values are exact: both sides convert the same stored elements to float64.
        let head = (expected["head"] as? [Any] ?? []).compactMap(number)
        XCTAssertEqual(Array(tensor.doubles().prefix(8)), head, "\(label) head", file: file, line: line)
        guard let min = number(expected["min"]) else {
            XCTAssertEqual(tensor.count, 0, "\(label): stats missing only for empty tensors", file: file, line: line)
            return
        }
        let stats = TensorStatistics.compute(tensor)
        let pairs: [(String, Double, Double?)] = [("min", stats.min, min), ("max", stats.max, number(expected["max"])),
                                                  ("mean", stats.mean, number(expected["mean"])),
                                                  ("std", stats.std, number(expected["std"]))]
        for (what, actual, wanted) in pairs {
            guard let wanted else { XCTFail("\(label) \(what) missing", file: file, line: line); continue }
            // Both sides accumulate in float64 but in a different order (numpy pairwise, WeightPort
            // chunked/shifted), so sums may differ in the last bits: 1e-6 relative + 1e-9 absolute.
            XCTAssertEqual(actual, wanted, accuracy: 1e-6 * Swift.abs(wanted) + 1e-9, "\(label) \(what)", file: file, line: line)
        }
    }

    /// A JSON number as the exact Double it spells. JSONSerialization on Linux yields
    /// NSDecimalNumber, whose bridging to Double can be off by an ulp; its decimal text is exact.
    static func number(_ value: Any?) -> Double? {
        guard let value = value as? NSNumber else { return nil }
        return Double(value.description) ?? value.doubleValue
    }

    /// Runs `read`, requiring it to throw a Diagnostic mentioning `bad.errorContains` (and its offset).
    static func expectFailure(_ bad: BadFile, file: StaticString = #filePath, line: UInt = #line, _ read: () throws -> Void) {
        do {
            try read()
            XCTFail("\(bad.file): read succeeded, expected an error containing '\(bad.errorContains)'", file: file, line: line)
        } catch let error as Diagnostic {
            let text = error.what + " " + (error.location ?? "")
            XCTAssertTrue(text.localizedCaseInsensitiveContains(bad.errorContains),
                          "\(bad.file): '\(text)' lacks '\(bad.errorContains)'", file: file, line: line)
            if let offset = bad.offset {
                XCTAssertEqual(error.location, "byte \(offset)", "\(bad.file): offset", file: file, line: line)
            }
        } catch {
            XCTFail("\(bad.file): error \(error) is not a Diagnostic", file: file, line: line)
        }
    }

    /// Reads every fixture of `format` with `read`, checking that the detector names it `detected`
    /// and that its tensors match the record; `extra` adds the format's own checks. Returns how
    /// many fixtures were read, for the caller to pin.
    @discardableResult
    static func checkEveryFixture(format: String, detected: WeightFormat, read: (ByteRegion) throws -> WeightFile,
                                  extra: (WeightFile, [String: Any], ByteRegion) throws -> Void = { _, _, _ in },
                                  file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let records = try records(format: format)
        for record in records {
            let name = try XCTUnwrap(record["file"] as? String)
            let bytes = try Fixtures.bytes(name)
            XCTAssertEqual(try FormatDetector.detect(bytes), detected, name, file: file, line: line)
            let weights = try read(bytes)
            try check(weights, against: record, file: file, line: line)
            try extra(weights, record, bytes)
        }
        return records.count
    }

    /// Every bad fixture named `<prefix>…<suffix>` fails to `read` with its recorded error.
    /// Returns how many there were, for the caller to pin.
    @discardableResult
    static func expectEveryBadFileFails(prefix: String, suffix: String = "", read: (ByteRegion) throws -> Void,
                                        file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let bad = try badFiles(prefix: prefix).filter { $0.file.hasSuffix(suffix) }
        for entry in bad {
            let bytes = try Fixtures.bytes(entry.file)
            expectFailure(entry, file: file, line: line) { try read(bytes) }
        }
        return bad.count
    }

    /// True when `region` lies inside `file` (i.e. it was sliced from the mapping, not copied).
    static func isInside(_ region: ByteRegion, _ file: ByteRegion) -> Bool {
        region.base >= file.base && region.base + region.count <= file.base + file.count
    }
}
