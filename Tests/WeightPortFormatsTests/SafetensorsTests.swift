import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    func testEveryDtypeMatchesTheReferenceWriter() throws {
        let records = try ExpectedFormats.records(format: "safetensors")
        XCTAssertEqual(records.count, 1)
        for record in records {
            let file = try XCTUnwrap(record["file"] as? String)
            let bytes = try Fixtures.bytes(file)
            XCTAssertEqual(try FormatDetector.detect(bytes), .safetensors, file)
            let weights = try SafetensorsReader.read(bytes)
            try ExpectedFormats.check(weights, against: record)
            let meta = try XCTUnwrap(record["metadata"] as? [String: String])
            for (key, value) in meta { XCTAssertEqual(weights.metadataJSON[key], .string(value), key) }
            for (name, tensor) in weights.tensors {
                XCTAssertTrue(ExpectedFormats.isInside(tensor.storage, bytes) || tensor.byteCount == 0, "\(name) should view the file")
            }
        }
    }

    func testBadSafetensorsFilesFailCleanly() throws {
        let bad = try ExpectedFormats.badFiles(prefix: "st_")
        XCTAssertEqual(bad.count, 5)
        for entry in bad {
            let bytes = try Fixtures.bytes(entry.file)
            ExpectedFormats.expectFailure(entry) { _ = try SafetensorsReader.read(bytes) }
        }
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
