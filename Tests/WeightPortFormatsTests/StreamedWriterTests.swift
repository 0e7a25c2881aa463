import Foundation
import WeightPort
import WeightPortCore
@testable import WeightPortFormats
import XCTest

/// The streams that write a source's tensors before their output names are known
/// (`StreamedSources`): what they write must read back, through the same readers as the
/// ordinary writers' files, as exactly the tensors `finish` names; a stream that cannot hold the
/// output must leave no file behind. The source is a Detectron pickle written by
/// `DetectronPickleWriter` and mapped as a conversion maps it; values compare bit for bit.
final class StreamedWriterTests: XCTestCase {
    private var folder: URL!
    private var source: StateDict!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("wp-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var tensors = StateDict()
        // Sizes on both sides of the writer's 1 MiB buffer and of a page; three dtypes.
        tensors["fc6_w"] = Tensor(float32: (0..<(300 * 1024)).map { Float($0 % 977) * 0.25 }, shape: [300, 1024])
        tensors["conv1_w"] = Tensor(float32: (0..<(64 * 3 * 7 * 7)).map { Float($0) - 4000 }, shape: [64, 3, 7, 7])
        tensors["bn_s"] = Tensor(float32: (0..<3).map { Float($0) + 0.5 }, shape: [3])
        tensors["steps"] = try Tensor(dtype: .int64, shape: [5], storage: ByteRegion(copying: (0..<40).map { UInt8($0) }))
        tensors["half"] = try Tensor(dtype: .float16, shape: [1000], storage: ByteRegion(copying: (0..<2000).map { UInt8(truncatingIfNeeded: $0 * 7) }))
        let path = folder.appendingPathComponent("source.pkl").path
        try DetectronPickleWriter.write(tensors, to: path, layout: .flat)
        source = try WeightFileLoader.load(path: path).tensors
        XCTAssertNotNil(source["fc6_w"]?.storage.fileOrigin, "the source's tensors must be slices of its map")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func output(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The source under new names, in another order, with one computed tensor.
    private func renamedOutput() -> StateDict {
        var out = StateDict()
        for name in source.names.reversed() { out["new." + name] = source[name] }
        out["computed"] = Tensor(float32: [1, 2, 3, 4], shape: [2, 2])
        return out
    }

    private func assertSameTensors(_ file: WeightFile, _ expected: StateDict, file line: StaticString = #filePath, line number: UInt = #line) {
        XCTAssertEqual(Set(file.tensors.names), Set(expected.names), file: line, line: number)
        for (name, tensor) in expected {
            guard let got = file.tensors[name] else { continue }
            XCTAssertEqual(got.shape, tensor.shape, name, file: line, line: number)
            XCTAssertEqual(got.dtype, tensor.dtype, name, file: line, line: number)
            XCTAssertEqual(Array(got.contiguousBytes().bytes), Array(tensor.contiguousBytes().bytes), name, file: line, line: number)
        }
    }

    /// Only the ordinary temporary-file naming may appear, and only the finished output.
    private func assertFolderHolds(_ names: Set<String>, file line: StaticString = #filePath, line number: UInt = #line) throws {
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)), names.union(["source.pkl"]),
                       file: line, line: number)
    }

    func testSafetensorsNamesTheStreamedBytesAndPadsTheHeaderToPages() throws {
        let path = output("out.safetensors")
        let stream = try XCTUnwrap(try SafetensorsStream(destination: path, overwrite: false, candidates: source.map(\.tensor),
                                                          sourceNames: source.names))
        XCTAssertTrue(try stream.finish(renamedOutput(), metadata: ["k": "v"]))
        let bytes = try MappedFile.map(path: path)
        assertSameTensors(try SafetensorsReader.read(bytes), renamedOutput())
        let headerLength = bytes.bytes.loadUnaligned(as: UInt64.self)
        XCTAssertEqual((Int(headerLength) + 8) % 4096, 0, "the data starts on a page")
        // Nothing but the streamed tensors, the computed one and the header: no tensor twice.
        XCTAssertEqual(bytes.count, Int(headerLength) + 8 + source.byteCount + 16)
        try assertFolderHolds(["out.safetensors"])
    }

    func testTorchZipNamesTheStreamedStoragesInDataPkl() throws {
        let path = output("out.pth")
        let stream = try XCTUnwrap(try TorchZipStream(destination: path, overwrite: false, candidates: source.map(\.tensor)))
        XCTAssertTrue(try stream.finish(.stateDict(renamedOutput())))
        let file = try TorchZipReader.read(try MappedFile.map(path: path))
        assertSameTensors(file, renamedOutput())
        try assertFolderHolds(["out.pth"])
    }

    /// The writer does not wait for checksums: records ended before theirs are ready get them
    /// at the end, and the archive reads back with every CRC right.
    func testTorchZipSettlesChecksumsThatCameAfterTheWriter() throws {
        let path = output("late.pth")
        let stream = try XCTUnwrap(try TorchZipStream(destination: path, overwrite: false, candidates: source.map(\.tensor),
                                                       gate: nil, checksumsAfterWriter: true))
        XCTAssertTrue(try stream.finish(.stateDict(renamedOutput())))
        XCTAssertEqual(stream.recordsSettledLate, source.count, "every streamed record ended without its checksum")
        let bytes = try MappedFile.map(path: path)
        let zip = try ZipDirectory(bytes)
        for entry in zip.entries {
            let data = try zip.storedData(entry)
            XCTAssertEqual(entry.crc32, CRC32.checksum(data.bytes), entry.name)
            let end = try zip.dataOffset(entry) + data.count
            XCTAssertEqual(bytes.bytes.loadUnaligned(fromByteOffset: end + 4, as: UInt32.self), entry.crc32, "\(entry.name) descriptor")
        }
        assertSameTensors(try TorchZipReader.read(bytes), renamedOutput())
    }

    func testDetectronPickleBuildsTheArraysBeforeTheDictionary() throws {
        let path = output("out.pkl")
        let stream = try XCTUnwrap(try DetectronPickleStream(destination: path, overwrite: false, candidates: source.map(\.tensor)))
        let blobs = renamedOutput()
        XCTAssertTrue(try stream.finish(DetectronPickleWriter.object(blobs, layout: .trainedModel(cfg: "MODEL:\n  TYPE: x\n"))))
        let file = try WeightFileLoader.load(path: path)
        assertSameTensors(file, blobs)
        XCTAssertTrue(file.metadata.contains { $0.0 == "cfg" })
        try assertFolderHolds(["out.pkl"])
    }

    /// A tensor that went through a transform and came back unchanged (a new buffer, the same
    /// bytes) takes the streamed bytes instead of being written twice.
    func testSameBytesInANewBufferTakeTheStreamedTensor() throws {
        let path = output("copy.safetensors")
        let stream = try XCTUnwrap(try SafetensorsStream(destination: path, overwrite: false, candidates: source.map(\.tensor),
                                                          sourceNames: source.names))
        var out = StateDict()
        for (name, tensor) in source {
            let copy = try Tensor(dtype: tensor.dtype, shape: tensor.shape, storage: ByteRegion(copying: tensor.contiguousBytes().bytes))
            out[name] = name == "fc6_w" ? copy : tensor
        }
        XCTAssertTrue(try stream.finish(out, metadata: [:]))
        let bytes = try MappedFile.map(path: path)
        assertSameTensors(try SafetensorsReader.read(bytes), out)
        XCTAssertEqual(bytes.count, Int(bytes.bytes.loadUnaligned(as: UInt64.self)) + 8 + source.byteCount)
    }

    /// Written before the output was known and then left out of it: the stream gives up and
    /// removes its file, for each format (the caller then writes the ordinary way).
    func testAStreamedTensorTheOutputLeavesOutAbandonsTheFile() throws {
        var out = source!
        out["fc6_w"] = nil
        let st = try XCTUnwrap(try SafetensorsStream(destination: output("a.safetensors"), overwrite: false,
                                                      candidates: source.map(\.tensor), sourceNames: source.names))
        _ = st.streamed.join()  // every candidate written, no plan yet
        XCTAssertFalse(try st.finish(out, metadata: [:]))
        let zip = try XCTUnwrap(try TorchZipStream(destination: output("a.pth"), overwrite: false, candidates: source.map(\.tensor)))
        _ = zip.streamed.join()  // every candidate written, no plan yet
        XCTAssertFalse(try zip.finish(.stateDict(out)))
        // A pickle's streamed array carries its source shape: the same bytes reshaped cannot use it.
        var reshaped = source!
        reshaped["fc6_w"] = source["fc6_w"]?.reshaped([1024, 300])
        let pkl = try XCTUnwrap(try DetectronPickleStream(destination: output("a.pkl"), overwrite: false,
                                                           candidates: source.map(\.tensor)))
        _ = pkl.streamed.join()  // every candidate written, no plan yet
        XCTAssertFalse(try pkl.finish(DetectronPickleWriter.object(reshaped, layout: .flat)))
        try assertFolderHolds([])
    }

    /// When the output is known before the thread reaches a tensor, a tensor it leaves out is
    /// never written, and the stream stands.
    func testAPlanThatArrivesFirstSkipsWhatTheOutputLeavesOut() throws {
        var out = source!
        out["fc6_w"] = nil
        let gate = DispatchSemaphore(value: 0)
        let path = output("skip.safetensors")
        let stream = try XCTUnwrap(try SafetensorsStream(destination: path, overwrite: false, candidates: source.map(\.tensor),
                                                          sourceNames: source.names, gate: gate))
        stream.streamed.plan(out.map(\.tensor))
        gate.signal()
        XCTAssertTrue(try stream.finish(out, metadata: [:]))
        let bytes = try MappedFile.map(path: path)
        assertSameTensors(try SafetensorsReader.read(bytes), out)
        XCTAssertEqual(bytes.count, Int(bytes.bytes.loadUnaligned(as: UInt64.self)) + 8 + out.byteCount)
    }

    /// An empty tensor starts where the next one does; it must not be taken for that one (the
    /// header would name the next tensor's bytes twice, which loaders refuse).
    func testAnEmptyTensorIsNotTheTensorAfterIt() throws {
        var tensors = StateDict()
        tensors["a_empty"] = Tensor(float32: [], shape: [0])
        tensors["b"] = Tensor(float32: (0..<(300 * 1024)).map(Float.init), shape: [300, 1024])
        let sourcePath = output("empty-source.safetensors")
        try SafetensorsWriter.write(tensors, to: sourcePath)
        let mapped = try SafetensorsReader.read(try MappedFile.map(path: sourcePath)).tensors
        XCTAssertEqual(mapped["a_empty"]?.storage.base, mapped["b"]?.storage.base, "the case in question")
        let path = output("empty.safetensors")
        let stream = try XCTUnwrap(try SafetensorsStream(destination: path, overwrite: false, candidates: mapped.map(\.tensor),
                                                          sourceNames: mapped.names))
        XCTAssertTrue(try stream.finish(mapped, metadata: [:]))
        let bytes = try MappedFile.map(path: path)
        assertSameTensors(try SafetensorsReader.read(bytes), mapped)
        XCTAssertEqual(bytes.count, Int(bytes.bytes.loadUnaligned(as: UInt64.self)) + 8 + 300 * 1024 * 4)
    }

    /// One source tensor under two output names while another source tensor holds the same
    /// bytes: written before the plan, that other tensor would be in the file with nothing
    /// naming it, so the stream gives up; with the plan first it is never written.
    func testNoStreamedTensorIsLeftUnnamed() throws {
        var tensors = StateDict()
        let values = (0..<(100 * 1024)).map { Float($0 % 313) }
        tensors["x"] = Tensor(float32: values, shape: [100, 1024])
        tensors["y"] = Tensor(float32: values, shape: [100, 1024])
        let sourcePath = output("twins.pkl")
        try DetectronPickleWriter.write(tensors, to: sourcePath, layout: .flat)
        let twins = try WeightFileLoader.load(path: sourcePath).tensors
        var out = StateDict()
        out["p"] = twins["x"]
        out["q"] = twins["x"]
        let candidates = twins.map(\.tensor)

        let zip = try XCTUnwrap(try TorchZipStream(destination: output("t.pth"), overwrite: false, candidates: candidates))
        _ = zip.streamed.join()  // every candidate written, no plan yet
        XCTAssertFalse(try zip.finish(.stateDict(out)))
        let pkl = try XCTUnwrap(try DetectronPickleStream(destination: output("t.pkl"), overwrite: false, candidates: candidates))
        _ = pkl.streamed.join()  // every candidate written, no plan yet
        XCTAssertFalse(try pkl.finish(DetectronPickleWriter.object(out, layout: .flat)))
        try assertFolderHolds(["twins.pkl"])

        let gate = DispatchSemaphore(value: 0)
        let planned = try XCTUnwrap(try TorchZipStream(destination: output("t.pth"), overwrite: false, candidates: candidates, gate: gate))
        planned.streamed.plan(PickleWritable.stateDict(out).tensors)
        gate.signal()
        XCTAssertTrue(try planned.finish(.stateDict(out)))
        let file = try TorchZipReader.read(try MappedFile.map(path: output("t.pth")))
        assertSameTensors(file, out)
        let records = try ZipDirectory(try MappedFile.map(path: output("t.pth"))).entries.map(\.name).filter { $0.contains("/data/") }
        XCTAssertEqual(records.count, 2, "\(records): x streamed, and one copy for q; y never written")
    }

    func testAbortLeavesNoFile() throws {
        let stream = try XCTUnwrap(try TorchZipStream(destination: output("gone.pth"), overwrite: false,
                                                       candidates: source.map(\.tensor)))
        stream.abort()
        stream.abort()
        try assertFolderHolds([])
    }

    /// Tensors that are not slices of a mapped file (computed ones) are not streamed.
    func testNothingToStreamMakesNoStream() throws {
        let computed = Tensor(float32: [1, 2], shape: [2])
        XCTAssertNil(try SafetensorsStream(destination: output("none.safetensors"), overwrite: false, candidates: [computed],
                                           sourceNames: ["x"]))
        try assertFolderHolds([])
    }
}
