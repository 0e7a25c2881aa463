import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    func testEveryDtypeMatchesTheReferenceWriter() throws {
        let count = try ExpectedFormats.checkEveryFixture(format: "safetensors", detected: .safetensors,
                                                          read: SafetensorsReader.read) { weights, record, bytes in
            let meta = try XCTUnwrap(record["metadata"] as? [String: String])
            for (key, value) in meta { XCTAssertEqual(weights.metadataJSON[key], .string(value), key) }
            for (name, tensor) in weights.tensors {
                XCTAssertTrue(ExpectedFormats.isInside(tensor.storage, bytes) || tensor.byteCount == 0, "\(name) should view the file")
            }
        }
        XCTAssertEqual(count, 1)
    }

    func testBadSafetensorsFilesFailCleanly() throws {
        XCTAssertEqual(try ExpectedFormats.expectEveryBadFileFails(prefix: "st_") { _ = try SafetensorsReader.read($0) }, 5)
    }

    func testEveryTruncationFailsWithoutTrapping() throws {
        let bytes = try Fixtures.bytes("formats/st_all.safetensors")
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try SafetensorsReader.read(bytes.slice(0, cut)), "cut at \(cut)")
        }
    }
}

extension SafetensorsTests {
    /// A shape whose element count overflows Int used to trap in the size check.
    func testOverflowingShapeIsRejectedNotTrapped() throws {
        let header = #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}}"#
        var raw = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) }
        raw += Array(header.utf8) + [0, 0, 0, 0]
        XCTAssertThrowsError(try SafetensorsReader.read(ByteRegion(copying: raw))) { error in
            XCTAssertTrue((error as? FormatError)?.what.contains("needs") ?? false, "\(error)")
        }
    }
}
