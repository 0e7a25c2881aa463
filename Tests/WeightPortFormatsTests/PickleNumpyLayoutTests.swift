import XCTest
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport

/// How NumPy arrays from pickles are laid out: byte order and memory order are kept as views
/// over the file (values themselves are checked against numpy in PickleFixtureTests).
final class PickleNumpyLayoutTests: XCTestCase {
    func testBigEndianAndFortranArraysAreViews() throws {
        // Protocol 5 carries payloads as BYTEARRAY8, so every array views the file.
        let bytes = try Fixtures.bytes("formats/pkl_np_dtypes_p5.pkl")
        let file = try PickleReader.read(bytes)
        let bigEndian = try XCTUnwrap(file.tensors["be_f4"])
        XCTAssertEqual(bigEndian.byteOrder, .big)
        let fortran = try XCTUnwrap(file.tensors["fortran_f4"])
        XCTAssertEqual(fortran.shape, [3, 4])
        XCTAssertEqual(fortran.strides, [1, 3])
        XCTAssertFalse(fortran.isContiguous)
        let range = bytes.base..<(bytes.base + bytes.count)
        for name in ["be_f4", "be_c8", "fortran_f4", "fortran_3d", "f2", "u8"] {
            XCTAssertTrue(range.contains(try XCTUnwrap(file.tensors[name]).storage.base), "\(name) was copied")
        }
    }

    func testZeroDimensionalAndEmptyArrays() throws {
        let file = try PickleReader.read(try Fixtures.bytes("formats/pkl_np_dtypes_p2.pkl"))
        XCTAssertEqual(file.tensors["scalar0d"]?.shape, [])
        XCTAssertEqual(file.tensors["scalar0d"]?.count, 1)
        XCTAssertEqual(file.tensors["empty"]?.shape, [0, 3])
        XCTAssertEqual(file.tensors["empty"]?.byteCount, 0)
    }

    /// Python 3 at protocol 2 writes bytes through `_codecs.encode`; those payloads must be copies
    /// (the file holds them UTF-8 encoded) yet decode to the same values as protocol 5's views.
    func testProtocol2AndProtocol5Agree() throws {
        let p2 = try PickleReader.read(try Fixtures.bytes("formats/pkl_np_dtypes_p2.pkl"))
        let p5 = try PickleReader.read(try Fixtures.bytes("formats/pkl_np_dtypes_p5.pkl"))
        XCTAssertEqual(p2.tensors.names, p5.tensors.names)
        for (name, tensor) in p2.tensors {
            let other = try XCTUnwrap(p5.tensors[name])
            XCTAssertEqual(tensor.contiguousBytes().toArray(), other.contiguousBytes().toArray(), name)
        }
    }
}
