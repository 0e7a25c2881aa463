import XCTest
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport

/// Detectron-specific expectations beyond the generic fixture comparison.
final class DetectronPickleTests: XCTestCase {
    /// Blob names come through as they are (no `blobs.` prefix), momentum blobs included, and
    /// the YAML config is kept verbatim as metadata rather than listed as an entry.
    func testDetectronBlobsAndConfig() throws {
        let file = try PickleReader.read(try Fixtures.bytes("formats/pkl_py2_detectron.pkl"))
        XCTAssertTrue(file.tensors.contains("conv1_w"))
        XCTAssertTrue(file.tensors.contains("conv1_w_momentum"))
        XCTAssertFalse(file.tensors.names.contains { $0.hasPrefix("blobs") })
        guard case .string(let cfg)? = file.metadataJSON["cfg"] else { return XCTFail("cfg missing") }
        XCTAssertTrue(cfg.contains("CONV_BODY: ResNet.add_ResNet50_conv4_body"))
        XCTAssertEqual(file.metadataJSON["non_tensor_entries"], .object([]))
        XCTAssertEqual(file.metadataJSON["pickle_protocol"], .int(2))
    }

    /// conv1_w is larger than 255 bytes, so Python 2 wrote it with BINSTRING ('T'): the tensor
    /// must view those bytes in the file, right after the 4-byte length.
    func testBinstringPayloadIsViewedInPlace() throws {
        let bytes = try Fixtures.bytes("formats/pkl_py2_detectron.pkl")
        let tensor = try XCTUnwrap(PickleReader.read(bytes).tensors["conv1_w"])
        let offset = tensor.storage.base - bytes.base
        XCTAssertEqual(bytes[offset - 5], UInt8(ascii: "T"))
        XCTAssertEqual(Int(bytes.base.loadUnaligned(fromByteOffset: offset - 4, as: UInt32.self)), tensor.byteCount)
    }

    /// The format detector sends every good fixture to the reader its expectations name.
    func testDetectorAgreesWithExpectations() throws {
        for entry in try PickleExpectations.entries() {
            let relative = try XCTUnwrap(entry["file"] as? String)
            let detected = try FormatDetector.detect(try Fixtures.bytes(relative))
            XCTAssertEqual(detected.rawValue, entry["format"] as? String, relative)
        }
    }
}
