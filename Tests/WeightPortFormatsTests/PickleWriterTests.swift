import Foundation
import WeightPortCore
@testable import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// PickleWriter against CPython's own protocol-2 pickler (memo off), and the Detectron writer
/// against Python 2.7 + numpy 1.16 cPickle: both must agree byte for byte.
final class PickleWriterTests: XCTestCase {
    /// The same values fixtures/gen_writers.py `pickle_cases()` pickles with CPython.
    static let cases: [String: PickleWritable] = {
        let ints = [0, 1, 255, 256, 65535, 65536, -1, -128, -129, Int(Int32.max), Int(Int32.min), 1 << 31,
                    -(1 << 31) - 1, Int.max, Int.min, 1 << 40, -(1 << 40), 127, 128, 32767, 32768,
                    -(1 << 32), 1 << 32, -(1 << 47), 1 << 55, -(1 << 55) - 1]
        // 1e-310 is subnormal; spelled by its bit pattern because the literal draws an underflow warning.
        let floats = [0.0, -0.0, 0.5, -1e300, 3.141592653589793, Double(bitPattern: 0x0000_1268_8B70_E62B), Double.infinity]
        let strings = ["", "a", "conv1.weight", "é✓ unicode", String(repeating: "x", count: 300), "tab\tnew\nline"]
        return [
            "none": .none, "true": .bool(true), "false": .bool(false),
            "ints": .list(ints.map { .int($0) }),
            "floats": .list(floats.map { .float($0) }),
            "strings": .list(strings.map { .string($0) }),
            "empty_list": .list([]), "one_list": .list([.int(7)]), "empty_tuple": .tuple([]),
            "tuple1": .tuple([.int(1)]), "tuple2": .tuple([.int(1), .string("a")]),
            "tuple3": .tuple([.int(1), .int(2), .int(3)]), "tuple4": .tuple([.int(1), .int(2), .int(3), .int(4)]),
            "empty_dict": .dict([]), "one_dict": .stringDict([("a", .int(1))]),
            "nested": .stringDict([
                ("model", .stringDict([("epoch", .int(12)), ("lr", .float(0.02))])),
                ("names", .list([.string("x"), .none, .bool(true)])),
                ("shape", .tuple([.int(3), .int(4)])),
            ]),
            "ordered_dict": .orderedDict([(.string("w"), .int(1)), (.string("b"), .float(2.5))]),
            "empty_ordered_dict": .orderedDict([]),
            "long_list": .list((0...1000).map { .int($0) }),
            "long_dict": .stringDict((0...1000).map { ("k\($0)", .int($0)) }),
        ]
    }()

    func testSmallValuesMatchCPythonPickles() throws {
        let expected = try XCTUnwrap(Fixtures.json("writers/pickles.json") as? [String: String])
        XCTAssertEqual(Set(expected.keys), Set(Self.cases.keys), "fixture and test cases drifted apart")
        for (name, value) in Self.cases {
            var writer = PickleWriter()
            writer.write(value) { _, _ in XCTFail("no tensors here") }
            writer.stop()
            XCTAssertEqual(hex(writer.bytes), expected[name], name)
        }
    }

    func testDetectronModelMatchesPython2Pickle() throws {
        let blobs = try NpzReader.read(Fixtures.bytes("writers/detectron_blobs.npz")).tensors
        let order = try XCTUnwrap(Fixtures.json("writers/detectron.json") as? [String: [String]])
        let cfg = try String(contentsOfFile: Fixtures.path("writers/detectron_cfg.yaml"), encoding: .utf8)
        // Python 2 iterates dicts in hash order; feed the writer the same order it recorded.
        let arrays = PickleWritable.stringDict(try XCTUnwrap(order["blobs"]).map { name in
            (name, .tensor(blobs[name]!))
        })
        let top = try XCTUnwrap(order["top"]).map { key -> (String, PickleWritable) in
            (key, key == "cfg" ? .string(cfg) : arrays)
        }
        let dir = try temporaryFolder()
        try DetectronPickleWriter.write(.stringDict(top), to: dir + "/model.pkl")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/model.pkl")),
                       try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("writers/detectron_model.pkl"))))
        try DetectronPickleWriter.write(arrays, to: dir + "/flat.pkl")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/flat.pkl")),
                       try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("writers/detectron_flat.pkl"))))
    }

    /// The memo opcodes the streamed Detectron pickle uses: one-byte slots up to 255, four-byte
    /// ones past it, values read back through the memo, POP leaving the stack as it was.
    func testMemoSlotsBothWidthsReadBack() throws {
        var writer = PickleWriter(stringStyle: .python2)
        for i in 0..<300 {
            writer.int(i * 3)
            writer.memoize(i)
            writer.pop()
        }
        writer.tuple(count: 4) { items in
            for i in [0, 255, 256, 299] { items.memoGet(i) }
        }
        writer.stop()
        XCTAssertTrue(writer.bytes.starts(with: [0x80, 2, 0x4B, 0, 0x71, 0, 0x30]))
        XCTAssertNotNil(writer.bytes.firstRange(of: [0x72, 43, 1, 0, 0]), "LONG_BINPUT 299, little-endian")
        var unpickler = Unpickler(ByteRegion(copying: writer.bytes))
        guard case .tuple(let tuple) = try unpickler.load() else { return XCTFail("not a tuple") }
        let values = tuple.items.map { value -> Int? in if case .int(let i) = value { i } else { nil } }
        XCTAssertEqual(values, [0, 765, 768, 897])
    }

    func testDetectronRefusesTypesNumpyLacks() throws {
        let dir = try temporaryFolder()
        let bf16 = try Tensor(dtype: .bfloat16, shape: [2], storage: ByteRegion(copying: [0, 0x3F, 0, 0x40]))
        XCTAssertThrowsError(try DetectronPickleWriter.write(StateDict([("w", bf16)]), to: dir + "/x.pkl", layout: .flat)) { error in
            XCTAssertEqual(error as? WriterError, .unsupportedDType(tensor: "w", dtype: .bfloat16, format: "numpy pickle"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.pkl"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

extension XCTestCase {
    /// A fresh empty folder under the system temporary directory, removed with everything in it
    /// when the test ends (each run of the writer tests used to leave ~22 MB behind).
    func temporaryFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wp-writers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}
