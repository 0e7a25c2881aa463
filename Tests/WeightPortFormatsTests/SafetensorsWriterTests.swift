import Foundation
import WeightPortCore
@testable import WeightPortFormats
import WeightPortTestSupport
import XCTest

final class SafetensorsWriterTests: XCTestCase {
    /// Every dtype safetensors holds (incl. 0-d, empty, strided and big-endian sources) survives
    /// SafetensorsWriter → SafetensorsReader with identical little-endian C-order bytes.
    func testRoundTripEveryDType() throws {
        let samples = try WriterSamples.all().filter { SafetensorsReader.code(for: $0.tensor.dtype) != nil }
        XCTAssertEqual(Set(samples.map(\.tensor.dtype)), Set(DType.allCases).subtracting([.complex128]))
        let path = try temporaryFolder() + "/all.safetensors"
        try SafetensorsWriter.write(WriterSamples.stateDict(samples), to: path, metadata: ["k": "v \"q\""])
        let bytes = try MappedFile.map(path: path)
        let file = try SafetensorsReader.read(bytes)
        XCTAssertEqual(file.tensors.count, samples.count)
        XCTAssertEqual(file.metadataJSON["format"], .string("pt"))
        XCTAssertEqual(file.metadataJSON["k"], .string("v \"q\""))
        let headerLength = bytes.bytes.loadUnaligned(as: UInt64.self)
        XCTAssertEqual(headerLength % 8, 0, "header padded to a multiple of 8")
        for sample in samples {
            let read = try XCTUnwrap(file.tensors[sample.name], sample.name)
            XCTAssertEqual(read.dtype, sample.tensor.dtype, sample.name)
            XCTAssertEqual(read.shape, sample.tensor.shape, sample.name)
            XCTAssertEqual(read.contiguousBytes().toArray(), sample.tensor.contiguousBytes().toArray(), sample.name)
            let start = read.storage.base - bytes.base
            XCTAssertEqual(start % read.dtype.size, 0, "\(sample.name) naturally aligned")
        }
    }

    /// Same arrays as the reference `safetensors.numpy.save_file(..., metadata={"format": "pt"})`
    /// → byte-identical file (ordering, JSON spelling, padding).
    func testMatchesReferenceWriterByteForByte() throws {
        let arrays = try NpzReader.read(Fixtures.bytes("writers/safetensors_ref.npz")).tensors
        let path = try temporaryFolder() + "/ref.safetensors"
        try SafetensorsWriter.write(arrays, to: path)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)),
                       try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("writers/safetensors_ref.safetensors"))))
    }

    func testRefusesComplex128AndLeavesNoFile() throws {
        let folder = try temporaryFolder()
        let sample = try WriterSamples.make("c", .complex128, [2], seed: 1)
        XCTAssertThrowsError(try SafetensorsWriter.write(StateDict([("c", sample.tensor)]), to: folder + "/x.safetensors")) { error in
            XCTAssertEqual(error as? WriterError, .unsupportedDType(tensor: "c", dtype: .complex128, format: "safetensors"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }
}
