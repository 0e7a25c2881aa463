import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

final class CaffeTests: XCTestCase {
    func testEveryCaffeFixtureMatchesProtobuf() throws {
        let count = try ExpectedFormats.checkEveryFixture(format: "caffemodel", detected: .caffemodel, read: CaffeModelReader.read) {
            weights, record, _ in try self.checkLayerMetadata(weights, record)
        }
        XCTAssertEqual(count, 3)
    }

    /// Every parameter the generator read back from the protobuf message (defaults included)
    /// must appear with the same value in the reader's `layers` metadata.
    private func checkLayerMetadata(_ weights: WeightFile, _ record: [String: Any]) throws {
        let file = record["file"] as? String ?? "?"
        let meta = try XCTUnwrap(record["metadata"] as? [String: Any])
        XCTAssertEqual(weights.metadataJSON["name"], .string(try XCTUnwrap(meta["name"] as? String)), file)
        guard case .array(let layers)? = weights.metadataJSON["layers"] else { return XCTFail("\(file): no layers metadata") }
        let expected = try XCTUnwrap(meta["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, expected.count, file)
        for (actual, wanted) in zip(layers, expected) {
            let name = wanted["name"] as? String ?? "?"
            XCTAssertEqual(actual["name"], .string(name), file)
            XCTAssertEqual(actual["type"], .string(try XCTUnwrap(wanted["type"] as? String)), "\(file) \(name)")
            XCTAssertEqual(actual["blobs"], .int(try XCTUnwrap(wanted["blobs"] as? Int)), "\(file) \(name)")
            let params = try XCTUnwrap(wanted["params"] as? [String: Any])
            for (key, value) in params {
                XCTAssertEqual(actual["params"]?[key], json(value, like: actual["params"]?[key]), "\(file) \(name).\(key)")
            }
        }
    }

    /// Foundation JSON → JSONValue, shaped like `like` (Foundation on Linux does not say whether
    /// a number was `true` or `1`). Floats in the expectations are float32 values printed as
    /// float64 (eps 1e-4 → 9.999999747378752e-05), which the reader also widens exactly.
    private func json(_ value: Any, like: JSONValue?) -> JSONValue {
        if let number = value as? NSNumber {
            switch like {
            case .bool?: return .bool(number.boolValue)
            case .int?: return .int(number.intValue)
            default: return .double(ExpectedFormats.number(number) ?? .nan)
            }
        }
        if let text = value as? String { return .string(text) }
        if let array = value as? [Any] {
            var element: JSONValue?
            if case .array(let items)? = like { element = items.first }
            return .array(array.map { json($0, like: element) })
        }
        return .null
    }

    /// A caffemodel is recognised by NetParameter's first tag: with the wire type caffe.proto
    /// declares, unless the file reads as text of more than one line; with another, in a binary
    /// file (a damaged model, whose reader then names the fault). Text starting with a byte of
    /// the same field numbers (`#`, a line feed, a space) is not one.
    func testCaffeIsDetectedByFieldAndWireType() {
        func detect(_ bytes: [UInt8]) -> WeightFormat? { try? FormatDetector.detect(ByteRegion(copying: bytes)) }
        XCTAssertEqual(detect([0x0A, 0x01, 0x78]), .caffemodel, "name = \"x\"")
        XCTAssertEqual(detect([0xA2, 0x06, 0x00]), .caffemodel, "an empty layer (field 100)")
        XCTAssertEqual(detect([0x12, 0x00]), .caffemodel, "an empty V1 layer (field 2)")
        XCTAssertEqual(detect([0x20, 0x03]), .caffemodel, "input_dim = 3")
        XCTAssertEqual(detect([0x0B, 0x0C]), .caffemodel, "field 1 as a group, in a binary file: damaged")
        XCTAssertNil(detect(Array("# config\nMODEL: {}\n".utf8)), "'#' is field 4 with wire type 3")
        XCTAssertNil(detect(Array("---\nmodel: x\n".utf8)), "'-' is field 5 with wire type 5")
        XCTAssertNil(detect(Array("0.5 0.25\n".utf8)), "'0' is field 6 (a message) as a varint")
        // Text whose first byte is a tag with the declared wire type is still text.
        XCTAssertNil(detect(Array("\nMODEL:\n  TYPE: x\n".utf8)), "a line feed is field 1 (name) as a string")
        XCTAssertNil(detect(Array("  stride: 2\n".utf8)), "a space is field 4 (input_dim) as a varint")
        XCTAssertNil(detect(Array("\"weights\": 1\n".utf8)), "'\"' is field 4 packed")
        XCTAssertNil(detect(Array("2 GPUs\n".utf8)), "'2' is field 6 (input_shape) as a message")
        XCTAssertNil(detect(Array("BASE: x\n".utf8)), "'B' is field 8 (input_shape) as a message")
        XCTAssertEqual(detect([0x0A, 0x09] + Array("ResNet-50".utf8) + [0xA2, 0x06, 0x05, 0x0A, 0x03] + Array("c1x".utf8)), .caffemodel,
                       "a name whose length is a tab, then a layer: the layer's lengths are control bytes")
        XCTAssertEqual(detect([0x0A, 0x64] + Array("abc".utf8)), .caffemodel, "cut short inside its name: printable, one line")
    }

    func testTypedNetExposesMappingParameters() throws {
        let net = try CaffeModelReader.readNet(Fixtures.bytes("formats/caffe_resnet_v2.caffemodel"))
        let meta = try XCTUnwrap((try ExpectedFormats.record("caffe_resnet_v2.caffemodel"))["metadata"] as? [String: Any])
        let layers = try XCTUnwrap(meta["layers"] as? [[String: Any]])
        func params(_ name: String) throws -> [String: Any] {
            try XCTUnwrap(layers.first { $0["name"] as? String == name }?["params"] as? [String: Any])
        }
        let bn = try XCTUnwrap(net.layers.first { $0.name == "bn_conv1" }?.batchNorm)
        XCTAssertEqual(Double(bn.eps), ExpectedFormats.number(try params("bn_conv1")["eps"]))
        XCTAssertEqual(bn.useGlobalStats, try params("bn_conv1")["use_global_stats"] as? Bool)
        let scale = try XCTUnwrap(net.layers.first { $0.name == "scale_conv1" }?.scale)
        XCTAssertEqual(scale.biasTerm, try params("scale_conv1")["bias_term"] as? Bool)
        let conv = try XCTUnwrap(net.layers.first { $0.name == "res2a_branch1" }?.convolution)
        XCTAssertEqual(conv.biasTerm, try params("res2a_branch1")["bias_term"] as? Bool)
        XCTAssertEqual(conv.kernelSize, try params("res2a_branch1")["kernel_size"] as? [Int])
        let pool = try XCTUnwrap(net.layers.first { $0.name == "pool1" }?.pooling)
        XCTAssertEqual(pool.method.rawValue, try params("pool1")["pool"] as? String)
        XCTAssertEqual(pool.kernelSize, try params("pool1")["kernel_size"] as? Int)
        XCTAssertEqual(pool.stride, try params("pool1")["stride"] as? Int)
        XCTAssertEqual(pool.roundMode.rawValue, try params("pool1")["round_mode"] as? String)
        XCTAssertFalse(net.isV1)
        XCTAssertTrue(try CaffeModelReader.readNet(Fixtures.bytes("formats/caffe_v1.caffemodel")).isV1)
    }

    func testPackedBlobsAreViewedInPlace() throws {
        let bytes = try Fixtures.bytes("formats/caffe_resnet_v2.caffemodel")
        let weights = try CaffeModelReader.read(bytes)
        let conv = try XCTUnwrap(weights.tensors["conv1/0"])
        XCTAssertTrue(ExpectedFormats.isInside(conv.storage, bytes))
        // Unpacked values must be gathered into their own storage.
        let mixed = try Fixtures.bytes("formats/caffe_mixed.caffemodel")
        let unpacked = try XCTUnwrap(try CaffeModelReader.read(mixed).tensors["unpacked/0"])
        XCTAssertFalse(ExpectedFormats.isInside(unpacked.storage, mixed))
    }

    func testBadCaffeFilesFailCleanly() throws {
        XCTAssertEqual(try ExpectedFormats.expectEveryBadFileFails(prefix: "caffe_") { _ = try CaffeModelReader.read($0) }, 5)
    }

    func testEveryTruncationFailsWithoutTrapping() throws {
        let bytes = try Fixtures.bytes("formats/caffe_v1.caffemodel")
        for cut in 1..<bytes.count {
            // Some prefixes end on a field boundary and are valid nets; the rest must throw, not trap.
            _ = try? CaffeModelReader.read(bytes.slice(0, cut))
        }
    }

    func testWireReaderSkipsUnknownFieldsOfEveryWireType() throws {
        // field 9 varint, field 10 fixed64, field 11 bytes, field 12 fixed32, then name (field 1).
        var raw: [UInt8] = [0x48, 0x96, 0x01, 0x51] + [UInt8](repeating: 7, count: 8)
        raw += [0x5A, 0x02, 0xFF, 0xFF, 0x65, 1, 2, 3, 4, 0x0A, 0x01, UInt8(ascii: "n")]
        let net = try CaffeModelReader.readNet(ByteRegion(copying: raw))
        XCTAssertEqual(net.name, "n")
        XCTAssertTrue(net.layers.isEmpty)
        var reader = ProtobufWireReader(ByteRegion(copying: [0x0F]))
        XCTAssertThrowsError(try reader.next())  // wire type 7
    }
}
