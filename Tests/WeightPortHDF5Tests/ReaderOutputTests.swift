@testable import WeightPortHDF5
import WeightPortCore
import WeightPortTestSupport
import XCTest

/// The isolated reader's parent decodes its child's output as untrusted input.
final class ReaderOutputTests: XCTestCase {
    /// The bytes a child writes to its memory file for `file`.
    private func output(_ file: WeightFile) -> [UInt8] { assemble(HDF5ReaderOutput.encode(file)) }

    private func assemble(_ layout: HDF5ReaderOutput.Layout) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: layout.headerOffset + layout.header.count)
        bytes.replaceSubrange(0..<layout.prelude.count, with: layout.prelude)
        for (region, offset) in layout.copies { bytes.replaceSubrange(offset..<offset + region.count, with: region.toArray()) }
        bytes.replaceSubrange(layout.headerOffset..<bytes.count, with: layout.header)
        return bytes
    }

    private func decode(_ bytes: [UInt8]) throws(HDF5Error) -> WeightFile {
        try HDF5ReaderOutput.decode(ByteRegion(copying: bytes))
    }

    private func expectMalformed(_ bytes: [UInt8], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(bytes), file: file, line: line) { error in
            guard case .readerFailed(let text)? = error as? HDF5Error else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertTrue(text.contains(message), text, file: file, line: line)
        }
    }

    func testRoundTripKeepsTensorsAndMetadata() throws {
        let original = try HDF5TensorReader.readInProcess(path: Fixtures.path("formats/h5_mixed.h5"))
        let bytes = output(original)
        let back = try decode(bytes)
        XCTAssertEqual(back.format, "hdf5")
        XCTAssertEqual(back.tensors.names, original.tensors.names)
        XCTAssertEqual(back.tensors.count, 10)
        for (name, tensor) in original.tensors {
            let copy = try XCTUnwrap(back.tensors[name])
            XCTAssertEqual(copy.dtype, tensor.dtype, name)
            XCTAssertEqual(copy.shape, tensor.shape, name)
            XCTAssertEqual(copy.contiguousBytes().toArray(), tensor.contiguousBytes().toArray(), name)
            // Data is aligned for SIMD loads.
            XCTAssertEqual(Int(bitPattern: copy.storage.base) % 64, 0, name)
        }
        XCTAssertEqual(back.metadataJSON, original.metadataJSON)
        XCTAssertEqual(back.metadataJSON["epochs"], .int(12))
    }

    func testErrorsRoundTrip() throws {
        let errors: [HDF5Error] = [
            .library(operation: "open the file as HDF5", message: "bad signature", path: "a/b"),
            .unsupported("element type", path: nil), .limitExceeded("dataset too big", path: "x"),
            .libraryUnavailable(reason: "cannot load libhdf5"), .readerFailed("something"),
        ]
        for error in errors {
            XCTAssertThrowsError(try decode(assemble(HDF5ReaderOutput.encode(error)))) { XCTAssertEqual($0 as? HDF5Error, error) }
        }
    }

    func testEveryTruncationIsAnErrorNotATrap() throws {
        let bytes = output(try HDF5TensorReader.readInProcess(path: Fixtures.path("formats/h5_keras2.h5")))
        XCTAssertGreaterThan(bytes.count, 1000)
        for cut in 0..<bytes.count - 1 {
            XCTAssertThrowsError(try decode(Array(bytes[0..<cut])), "cut at \(cut)") { XCTAssertTrue($0 is HDF5Error) }
        }
    }

    /// A header that lies about offsets, sizes, counts or types is refused before any slice.
    func testLyingHeadersAreRefused() throws {
        let tensor = Tensor(float32: [1, 2, 3, 4], shape: [2, 2])
        let good = output(WeightFile(format: "hdf5", tensors: StateDict([("w", tensor)])))
        XCTAssertEqual(try decode(good).tensors["w"]?.contiguousBytes().toArray(), tensor.contiguousBytes().toArray())
        // Prelude 24 bytes, data (16 bytes) at 64, the header at 128: status 1, count 4, name 4+1,
        // dtype 4+7, rank 1, dims 16, offset 8, length 8, source 1, metadata count 4.
        XCTAssertEqual(good.count, 128 + 1 + 4 + 5 + 11 + 1 + 16 + 16 + 1 + 4)
        let offsetAt = 128 + 1 + 4 + 5 + 11 + 1 + 16
        func patched(_ at: Int, _ value: UInt64) -> [UInt8] {
            var bytes = good
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(at..<at + 8, with: $0) }
            return bytes
        }
        expectMalformed(patched(offsetAt, UInt64(good.count)), "has 16 bytes at \(good.count) of the output") // past the end
        expectMalformed(patched(offsetAt, 120), "has 16 bytes at 120 of the output")       // running into the header
        expectMalformed(patched(offsetAt, 8), "has 16 bytes at 8")                         // data inside the prelude
        expectMalformed(patched(8, 4), "header at 4")                                      // header inside the prelude
        expectMalformed(patched(8, UInt64(good.count)), "header length")                  // header past the end
        expectMalformed(patched(offsetAt + 8, 12), "has 12 bytes")                          // length ≠ shape × dtype
        expectMalformed(patched(offsetAt - 16, UInt64.max), "dimension")                    // absurd dimension
        expectMalformed(patched(offsetAt - 16, 1 << 40), "dimension")
        var dtype = good
        dtype.replaceSubrange(142..<149, with: Array("complexX".utf8.prefix(7)))
        expectMalformed(dtype, "dtype")
        var count = good
        count.replaceSubrange(129..<133, with: [0xFF, 0xFF, 0xFF, 0x7F])
        expectMalformed(count, "tensor count")
        var magic = good
        magic[0] = UInt8(ascii: "X")
        expectMalformed(magic, "no result")
        expectMalformed([], "truncated")
    }

    /// A tensor the child found stored as it lies in memory is a slice of the parent's own map of
    /// the input file, bounds-checked against that map.
    func testTensorsInTheInputFileAreSlicesOfIt() throws {
        let input = ByteRegion(copying: (0..<256).map { UInt8($0) })
        let file = WeightFile(format: "hdf5", tensors: StateDict([("w", Tensor(float32: [0, 0], shape: [2]))]))
        func layout(at offset: Int, source: UInt8 = 1) -> [UInt8] {
            var bytes = assemble(HDF5ReaderOutput.encode(file) { _ in .init(offset: offset, inInput: true) })
            bytes[bytes.count - 5] = source
            return bytes
        }
        let back = try HDF5ReaderOutput.decode(ByteRegion(copying: layout(at: 16)), input: input)
        let tensor = try XCTUnwrap(back.tensors["w"])
        XCTAssertEqual(tensor.contiguousBytes().toArray(), Array(16..<24))
        XCTAssertEqual(tensor.storage.base, input.base + 16)
        XCTAssertThrowsError(try HDF5ReaderOutput.decode(ByteRegion(copying: layout(at: 252)), input: input)) {
            guard case .readerFailed(let message)? = $0 as? HDF5Error else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("has 8 bytes at 252 of the input file"), message)
        }
        expectMalformed(layout(at: 16), "of the input file")                // no input to slice
        expectMalformed(layout(at: 16, source: 2), "source 2")
    }

    func testDeeplyNestedMetadataIsRefused() throws {
        var value = JSONValue.null
        for _ in 0..<100 { value = .array([value]) }
        expectMalformed(output(WeightFile(format: "hdf5", tensors: StateDict(), metadata: [("deep", value)])), "nested deeper")
        var shallow = JSONValue.int(7)
        for _ in 0..<10 { shallow = .array([shallow]) }
        let back = try decode(output(WeightFile(format: "hdf5", tensors: StateDict(), metadata: [("ok", shallow)])))
        XCTAssertEqual(back.metadataJSON["ok"], shallow)
    }
}
