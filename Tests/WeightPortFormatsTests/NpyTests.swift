import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

final class NpyTests: XCTestCase {
    func testEveryNpyFixtureMatchesNumpy() throws {
        XCTAssertGreaterThanOrEqual(try ExpectedFormats.checkEveryFixture(format: "npy", detected: .npy, read: NpyReader.read), 12)
    }

    func testBigEndianIsViewedInPlace() throws {
        let bytes = try Fixtures.bytes("formats/np_f32_be.npy")
        let tensor = try XCTUnwrap(try NpyReader.read(bytes).tensors["array"])
        XCTAssertEqual(tensor.byteOrder, .big)
        XCTAssertTrue(ExpectedFormats.isInside(tensor.storage, bytes), "big-endian data must not be copied")
    }

    func testFortranOrderIsAStridedView() throws {
        let bytes = try Fixtures.bytes("formats/np_f32_fortran.npy")
        let tensor = try XCTUnwrap(try NpyReader.read(bytes).tensors["array"])
        XCTAssertEqual(tensor.shape, [4, 6])
        XCTAssertEqual(tensor.strides, [1, 4])
        XCTAssertFalse(tensor.isContiguous)
        XCTAssertTrue(ExpectedFormats.isInside(tensor.storage, bytes))
    }

    func testZeroDimensionalAndEmpty() throws {
        let scalar = try XCTUnwrap(try NpyReader.read(Fixtures.bytes("formats/np_0d.npy")).tensors["array"])
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.count, 1)
        let empty = try XCTUnwrap(try NpyReader.read(Fixtures.bytes("formats/np_empty.npy")).tensors["array"])
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.count, 0)
    }

    func testHeaderParserRejectsCodeAndStructuredDtypes() {
        let cases: [(String, String)] = [
            ("{'descr': '<f4', 'fortran_order': False, 'shape': eval('1'), }", "tuple"),
            ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured"),
            ("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", "unsupported"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", "after the header"),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try NpyHeader(text: Array(text.utf8), offset: 10), text) { error in
                let what = (error as? FormatError)?.what ?? ""
                XCTAssertTrue(what.contains(fragment) || "\(error)".contains(fragment), "\(text): \(what)")
            }
        }
    }

    func testBadNpyFilesFailCleanly() throws {
        XCTAssertEqual(try ExpectedFormats.expectEveryBadFileFails(prefix: "np_", suffix: ".npy") { _ = try NpyReader.read($0) }, 3)
    }
}
