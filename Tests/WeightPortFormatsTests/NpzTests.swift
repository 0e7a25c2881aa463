import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

final class NpzTests: XCTestCase {
    func testEveryNpzFixtureMatchesNumpy() throws {
        XCTAssertEqual(try ExpectedFormats.checkEveryFixture(format: "npz", detected: .npz, read: NpzReader.read), 2)
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
        XCTAssertEqual(try ExpectedFormats.expectEveryBadFileFails(prefix: "np_", suffix: ".npz") { _ = try NpzReader.read($0) }, 1)
    }

    func testTruncatedArchivesFailCleanly() throws {
        let bytes = try Fixtures.bytes("formats/np_compressed.npz")
        for cut in stride(from: 0, to: bytes.count, by: 97) {
            XCTAssertThrowsError(try NpzReader.read(bytes.slice(0, cut)), "cut at \(cut)")
        }
    }
}

extension NpzTests {
    /// The compressed fixture with 4 bytes of the first central-directory entry replaced.
    private func patchedDirectory(at fieldOffset: Int, _ value: UInt32) throws -> ByteRegion {
        var raw = try Fixtures.bytes("formats/np_compressed.npz").toArray()
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        let start = try XCTUnwrap((0..<(raw.count - 4)).first { Array(raw[$0..<($0 + 4)]) == signature })
        withUnsafeBytes(of: value.littleEndian) { raw.replaceSubrange((start + fieldOffset)..<(start + fieldOffset + 4), with: $0) }
        return ByteRegion(copying: raw)
    }

    func testCRCMismatchIsDetected() throws {
        let bytes = try patchedDirectory(at: 16, 0xDEAD_BEEF)
        XCTAssertThrowsError(try NpzReader.read(bytes)) { error in
            XCTAssertTrue((error as? FormatError)?.what.contains("CRC") ?? false, "\(error)")
        }
    }

    func testImplausibleDeclaredSizeIsRefusedBeforeAllocating() throws {
        let bytes = try patchedDirectory(at: 24, 0x7FFF_FFFF)  // uncompressed size
        XCTAssertThrowsError(try NpzReader.read(bytes)) { error in
            guard case .limitExceeded? = error as? FormatError else { return XCTFail("\(error)") }
        }
    }
}

extension NpzTests {
    func testStoredMemberWithFlippedByteFailsCRC() throws {
        var raw = try Fixtures.bytes("formats/np_plain.npz").toArray()
        raw[200] ^= 0x01  // inside the first member's array data
        XCTAssertThrowsError(try NpzReader.read(ByteRegion(copying: raw))) { error in
            XCTAssertTrue((error as? FormatError)?.what.contains("CRC") ?? false, "\(error)")
        }
    }
}
