import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

final class NpzTests: XCTestCase {
    func testEveryNpzFixtureMatchesNumpy() throws {
        let records = try ExpectedFormats.records(format: "npz")
        XCTAssertEqual(records.count, 2)
        for record in records {
            let file = try XCTUnwrap(record["file"] as? String)
            let bytes = try Fixtures.bytes(file)
            XCTAssertEqual(try FormatDetector.detect(bytes), .npz, file)
            try ExpectedFormats.check(try NpzReader.read(bytes), against: record)
        }
    }

    func testStoredMembersAreNotCopied() throws {
        let bytes = try Fixtures.bytes("formats/np_plain.npz")
        let weights = try NpzReader.read(bytes)
        for (name, tensor) in weights.tensors {
            XCTAssertTrue(ExpectedFormats.isInside(tensor.storage, bytes), "\(name) should view the archive")
        }
    }

    func testCompressedMembersAreInflatedIntoOwnStorage() throws {
        let bytes = try Fixtures.bytes("formats/np_compressed.npz")
        let tensor = try XCTUnwrap(try NpzReader.read(bytes).tensors["conv1_w"])
        XCTAssertFalse(ExpectedFormats.isInside(tensor.storage, bytes))
    }

    func testBadNpzFilesFailCleanly() throws {
        let bad = try ExpectedFormats.badFiles(prefix: "np_").filter { $0.file.hasSuffix(".npz") }
        XCTAssertEqual(bad.count, 1)
        for entry in bad {
            let bytes = try Fixtures.bytes(entry.file)
            ExpectedFormats.expectFailure(entry) { _ = try NpzReader.read(bytes) }
        }
    }

    func testTruncatedArchivesFailCleanly() throws {
        let bytes = try Fixtures.bytes("formats/np_compressed.npz")
        for cut in stride(from: 0, to: bytes.count, by: 97) {
            XCTAssertThrowsError(try NpzReader.read(bytes.slice(0, cut)), "cut at \(cut)")
        }
    }
}
