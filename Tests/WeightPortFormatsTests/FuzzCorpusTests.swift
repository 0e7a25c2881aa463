import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortHDF5
import WeightPortTestSupport
import XCTest

/// Replays the committed fuzz corpus (`fuzz/corpus/<target>/`, inputs libFuzzer found while
/// fuzzing each reader; see the README's Reliability section) through the readers in the
/// ordinary build: every input must be read or refused with a `Diagnostic`, never trap. The
/// sanitizer builds under `fuzz/` go further; this keeps the inputs they found in the suite.
/// HDF5's corpus goes through the isolated reader, as weightport reads HDF5: libhdf5 itself is
/// not robust to corrupt files, so it runs in a child process.
final class FuzzCorpusTests: XCTestCase {
    static let corpus = Fixtures.root.deletingLastPathComponent().appendingPathComponent("fuzz/corpus")

    func testPickleCorpus() throws { try replay("pickle") { try PickleReader.read($0) } }
    func testTorchZipCorpus() throws { try replay("torch-zip") { try TorchZipReader.read($0) } }
    func testTorchLegacyCorpus() throws { try replay("torch-legacy") { try TorchLegacyReader.read($0) } }
    func testCaffeCorpus() throws { try replay("caffemodel") { try CaffeModelReader.read($0) } }
    func testSafetensorsCorpus() throws { try replay("safetensors") { try SafetensorsReader.read($0) } }
    func testNpyCorpus() throws { try replay("npy") { try NpyReader.read($0) } }
    func testNpzCorpus() throws { try replay("npz") { try NpzReader.read($0) } }

    /// The isolated HDF5 reader (libhdf5 in a forked child, one CPU second each) and the
    /// parent's decoder of a child's output.
    func testHDF5Corpus() throws {
        let limits = HDF5ReadLimits(cpuSeconds: 1, wallSeconds: 10, addressSpaceBytes: 4 << 30)
        try replay("hdf5") { try HDF5TensorReader.read($0, limits: limits) }
    }

    func testHDF5OutputCorpus() throws { try replay("hdf5-output") { try HDF5IsolatedReader.decodeOutput($0) } }

    func testDetectionCorpus() throws {
        try replay("detect") { bytes in
            try MemoryReaders.read(bytes, as: try FormatDetector.detect(bytes)) ?? WeightFile(format: "hdf5", tensors: StateDict())
        }
    }

    /// Reads every input of `target`'s corpus and uses the result as the CLI would (gathers
    /// each small tensor, serialises the metadata).
    private func replay(_ target: String, file: StaticString = #filePath, line: UInt = #line,
                        _ read: (ByteRegion) throws -> WeightFile) throws {
        let folder = Self.corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(names.isEmpty, "no corpus in \(folder.path)", file: file, line: line)
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            do {
                let result = try read(ByteRegion(copying: data))
                for (_, tensor) in result.tensors where tensor.count <= 1 << 16 { _ = tensor.contiguousBytes() }
                _ = result.metadataJSON.serialized()
            } catch let error as any Diagnostic {
                XCTAssertFalse(error.what.isEmpty, "\(target)/\(name): empty error text", file: file, line: line)
            } catch {
                XCTFail("\(target)/\(name): \(error) is not a Diagnostic", file: file, line: line)
            }
        }
    }
}
