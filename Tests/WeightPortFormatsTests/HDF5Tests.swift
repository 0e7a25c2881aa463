import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortHDF5
import WeightPortTestSupport
import XCTest

final class HDF5Tests: XCTestCase {
    func testEveryHDF5FixtureMatchesH5py() throws {
        let records = try ExpectedFormats.records(format: "hdf5")
        XCTAssertEqual(records.count, 2)
        for record in records {
            let file = try XCTUnwrap(record["file"] as? String)
            XCTAssertEqual(try FormatDetector.detect(Fixtures.bytes(file)), .hdf5, file)
            let weights = try HDF5TensorReader.read(path: Fixtures.path(file))
            try ExpectedFormats.check(weights, against: record)
            try checkMetadata(weights, record)
        }
    }

    /// Every metadata key the generator promises, with its string / number / list value.
    private func checkMetadata(_ weights: WeightFile, _ record: [String: Any]) throws {
        let file = record["file"] as? String ?? "?"
        let meta = try XCTUnwrap(record["metadata"] as? [String: Any])
        XCTAssertFalse(meta.isEmpty)
        for (key, value) in meta {
            let actual = weights.metadataJSON[key]
            switch value {
            case let text as String: XCTAssertEqual(actual, .string(text), "\(file) \(key)")
            case let list as [Any]: XCTAssertEqual(actual, .array(list.map { .string("\($0)") }), "\(file) \(key)")
            case let number as NSNumber:
                if case .int(let i)? = actual { XCTAssertEqual(i, number.intValue, "\(file) \(key)") } else {
                    XCTAssertEqual(actual, .double(ExpectedFormats.number(number) ?? .nan), "\(file) \(key)")
                }
            default: XCTFail("\(file) \(key): unexpected expectation \(value)")
            }
        }
    }

    func testBadHDF5FilesGiveOneCleanError() throws {
        let bad = try ExpectedFormats.badFiles(prefix: "h5_")
        XCTAssertEqual(bad.count, 2)
        for entry in bad {
            ExpectedFormats.expectFailure(entry) { _ = try HDF5TensorReader.read(path: Fixtures.path(entry.file)) }
        }
        ExpectedFormats.expectFailure(.init(file: "missing.h5", errorContains: "HDF5", offset: nil)) {
            _ = try HDF5TensorReader.read(path: Fixtures.path("bad/does-not-exist.h5"))
        }
    }

    private func scratchPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("weightport-formats-\(getpid())-\(name)").path
    }

    /// Tensors of every writable dtype, taken from real fixtures so values come from numpy.
    private func sourceTensors() throws -> [(String, Tensor)] {
        let st = try SafetensorsReader.read(Fixtures.bytes("formats/st_all.safetensors"))
        let h5 = try HDF5TensorReader.read(path: Fixtures.path("formats/h5_mixed.h5"))
        var out: [(String, Tensor)] = st.tensors.filter { $0.tensor.dtype != .complex64 }.map { ("st/\($0.name)", $0.tensor) }
        out.append(("bf/x", try XCTUnwrap(h5.tensors["bf16"])))
        out.append(("strided/fortran", try XCTUnwrap(try NpyReader.read(Fixtures.bytes("formats/np_f32_fortran.npy")).tensors["array"])))
        out.append(("big/endian", try XCTUnwrap(try NpyReader.read(Fixtures.bytes("formats/np_f32_be.npy")).tensors["array"])))
        return out
    }

    func testWriterRoundTripsEveryDtype() throws {
        // fixtures/check_h5_roundtrip.py reads the file with h5py when it is kept (run by hand).
        let keep = ProcessInfo.processInfo.environment["WEIGHTPORT_H5_ROUNDTRIP_OUT"]
        let path = keep ?? scratchPath("roundtrip.h5")
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: path) } }
        let sources = try sourceTensors()
        let file = try HDF5File.create(path: path)
        try file.createGroup("meta/nested")
        for (index, (name, tensor)) in sources.enumerated() {
            try file.writeDataset(path: name, tensor: tensor, compress: index % 2 == 0)
        }
        try file.setAttribute("title", .string("round trip é"))
        try file.setAttribute("count", .int(42), on: "meta")
        try file.setAttribute("scale", .double(0.5), on: "/meta/nested")
        try file.setAttribute("names", .strings(["a", "bc"]), on: "st")
        try file.setAttribute("config", .json(.object([("k", .int(1))])))
        try file.close()

        let back = try HDF5TensorReader.read(path: path)
        XCTAssertEqual(Set(back.tensors.names), Set(sources.map(\.0)))
        for (name, tensor) in sources {
            let read = try XCTUnwrap(back.tensors[name], name)
            XCTAssertEqual(read.dtype, tensor.dtype, name)
            XCTAssertEqual(read.shape, tensor.shape, name)
            // Same bytes in C order: the writer and reader convert layout, never values.
            XCTAssertEqual(read.contiguousBytes().toArray(), tensor.contiguousBytes().toArray(), name)
        }
        let meta = back.metadataJSON
        XCTAssertEqual(meta["title"], .string("round trip é"))
        XCTAssertEqual(meta["meta@count"], .int(42))
        XCTAssertEqual(meta["meta/nested@scale"], .double(0.5))
        XCTAssertEqual(meta["st@names"], .array([.string("a"), .string("bc")]))
        XCTAssertEqual(meta["config"], .string("{\"k\":1}"))
        XCTAssertEqual(meta["bf/x@dtype"], .string("bfloat16"))
    }

    /// Uncompressed datasets are only placed by libhdf5 and written by the shim after closing,
    /// in 1 MiB pieces: a tensor spanning several pieces, one ending mid-piece, and a scalar
    /// must read back with every value.
    func testPlacedDatasetsAreWrittenAfterClosing() throws {
        let path = scratchPath("placed.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let count = (7 << 20) / 8 + 3   // 3.5 MiB + 12 bytes of float32
        let big = Tensor(float32: (0..<count).map { Float($0 % 65_521) * 0.5 - 7 }, shape: [count])
        let small = Tensor(float32: [1.5, -2, 3.25], shape: [3])
        let scalar = Tensor(float32: [42], shape: [])
        let file = try HDF5File.create(path: path)
        try file.writeDataset(path: "weights/big", tensor: big)
        try file.writeDataset(path: "weights/small", tensor: small)
        try file.writeDataset(path: "scalar", tensor: scalar)
        try file.close()
        let back = try HDF5TensorReader.read(path: path)
        XCTAssertEqual(try XCTUnwrap(back.tensors["weights/big"]).floats(), big.floats())
        XCTAssertEqual(try XCTUnwrap(back.tensors["weights/small"]).floats(), [1.5, -2, 3.25])
        XCTAssertEqual(try XCTUnwrap(back.tensors["scalar"]).floats(), [42])
        XCTAssertEqual(try XCTUnwrap(back.tensors["scalar"]).shape, [])
    }

    func testWriterReportsErrorsAsDiagnostics() throws {
        let path = scratchPath("errors.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try HDF5File.create(path: path)
        let tensor = Tensor(float32: [1, 2], shape: [2])
        try file.writeDataset(path: "a", tensor: tensor)
        XCTAssertThrowsError(try file.writeDataset(path: "a", tensor: tensor)) { XCTAssertTrue($0 is HDF5Error) }
        XCTAssertThrowsError(try file.setAttribute("x", .int(1), on: "missing")) { XCTAssertTrue($0 is HDF5Error) }
        try file.close()
        XCTAssertThrowsError(try file.writeDataset(path: "b", tensor: tensor)) { XCTAssertTrue($0 is HDF5Error) }
        XCTAssertThrowsError(try HDF5File.create(path: "/nonexistent-dir/x.h5")) { XCTAssertTrue($0 is HDF5Error) }
    }

    func testConcurrentReadsAreSerialised() throws {
        let path = Fixtures.path("formats/h5_keras2.h5")
        let counts = Parallel.map(8) { _ in (try? HDF5TensorReader.read(path: path))?.tensors.count ?? -1 }
        XCTAssertEqual(Set(counts), [8])
    }
}

extension HDF5Tests {
    /// Prefixes of a real file: each must give one HDF5Error (libhdf5 checks the stored EOF).
    func testTruncatedFilesGiveErrorsNotTraps() throws {
        let whole = try Fixtures.bytes("formats/h5_mixed.h5").toArray()
        let path = scratchPath("cut.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for cut in stride(from: 0, to: whole.count, by: whole.count / 23) {
            try Data(whole[0..<cut]).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try HDF5TensorReader.read(path: path), "cut at \(cut)") { error in
                XCTAssertTrue(error is HDF5Error, "cut at \(cut): \(error)")
            }
        }
    }
}

extension HDF5Tests {
    func testInMemoryImageReadsLikeTheFile() throws {
        let fromPath = try HDF5TensorReader.read(path: Fixtures.path("formats/h5_keras2.h5"))
        let fromBytes = try HDF5TensorReader.read(Fixtures.bytes("formats/h5_keras2.h5"))
        XCTAssertEqual(fromBytes.tensors.names, fromPath.tensors.names)
        for (name, tensor) in fromPath.tensors {
            XCTAssertEqual(fromBytes.tensors[name]?.contiguousBytes().toArray(), tensor.contiguousBytes().toArray(), name)
        }
        XCTAssertEqual(fromBytes.metadataJSON, fromPath.metadataJSON)
        for bad in try ExpectedFormats.badFiles(prefix: "h5_") {
            ExpectedFormats.expectFailure(bad) { _ = try HDF5TensorReader.read(Fixtures.bytes(bad.file)) }
        }
    }
}

extension HDF5Tests {
    func testCompoundDatasetIsListedNotRead() throws {
        let weights = try HDF5TensorReader.read(path: Fixtures.path("formats/h5_mixed.h5"))
        XCTAssertFalse(weights.tensors.contains("table"))
        guard case .array(let skipped)? = weights.metadataJSON["unsupported_datasets"] else {
            return XCTFail("no unsupported_datasets entry")
        }
        XCTAssertEqual(skipped.count, 1)
        if case .string(let text) = skipped.first { XCTAssertTrue(text.hasPrefix("table:"), text) }
    }
}
