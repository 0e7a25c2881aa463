import Foundation
import WeightPortCore
@testable import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// Deterministic tensors of every dtype and layout the writers must handle, and a test that
/// writes every output format for tests/python/check_writers.py to verify with the real clients.
enum WriterSamples {
    /// How a sample's source bytes relate to its logical C-order values (the Python check redoes this).
    enum Layout: String { case c, transpose, big }

    struct Sample {
        let name: String
        let tensor: Tensor
        let source: [UInt8]
        let layout: Layout
    }

    /// Source bytes: a fixed pseudo-random byte stream (bool: 0/1 only, valid for every reader).
    static func bytes(_ count: Int, seed: UInt64, dtype: DType) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return dtype == .bool ? UInt8(state & 1) : UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    static func make(_ name: String, _ dtype: DType, _ shape: [Int], seed: UInt64, layout: Layout = .c) throws -> Sample {
        let source = bytes(Tensor.elementCount(shape) * dtype.size, seed: seed, dtype: dtype)
        let storage = ByteRegion(copying: source)
        let tensor: Tensor
        switch layout {
        case .c:
            tensor = try Tensor(dtype: dtype, shape: shape, storage: storage)
        case .big:
            tensor = try Tensor(dtype: dtype, shape: shape, byteOrder: .big, storage: storage)
        case .transpose:
            // The transpose of a C-order [a, b] matrix: shape [b, a], strides [1, b].
            tensor = try Tensor(dtype: dtype, shape: [shape[1], shape[0]], strides: [1, shape[1]], storage: storage)
        }
        return Sample(name: name, tensor: tensor, source: source, layout: layout)
    }

    /// One [2, 3] tensor per dtype, plus 0-d, empty, strided, big-endian and >1 MiB tensors.
    static func all() throws -> [Sample] {
        var samples: [Sample] = []
        for (index, dtype) in DType.allCases.enumerated() {
            samples.append(try make("t_\(dtype.rawValue)", dtype, [2, 3], seed: UInt64(index + 1)))
        }
        samples.append(try make("scalar0d", .float32, [], seed: 101))
        samples.append(try make("steps", .int64, [], seed: 102))
        samples.append(try make("empty", .float32, [2, 0], seed: 103))
        samples.append(try make("conv.weight", .float32, [64, 3, 7, 7], seed: 104))
        samples.append(try make("big.weight", .float32, [512, 600], seed: 105))
        samples.append(try make("transposed", .float32, [2, 3], seed: 106, layout: .transpose))
        samples.append(try make("bigendian", .float32, [4], seed: 107, layout: .big))
        samples.append(try make("bigendian_i16", .int16, [3], seed: 108, layout: .big))
        return samples
    }

    static func stateDict(_ samples: [Sample], where keep: (Sample) -> Bool = { _ in true }) -> StateDict {
        StateDict(samples.filter(keep).map { ($0.name, $0.tensor) })
    }

    /// What the Python check needs to rebuild each expected tensor independently of the writers.
    static func manifest(_ samples: [Sample]) -> [[String: Any]] {
        samples.map { sample in
            ["name": sample.name, "dtype": sample.tensor.dtype.rawValue, "shape": sample.tensor.shape,
             "layout": sample.layout.rawValue, "source_hex": hex(sample.source)]
        }
    }
}

final class SampleOutputsWriterTests: XCTestCase {
    /// Writes every format into $WEIGHTPORT_WRITER_OUT for tests/python/check_writers.py.
    func testWriteSampleOutputsForPythonCheck() throws {
        guard let out = ProcessInfo.processInfo.environment["WEIGHTPORT_WRITER_OUT"], !out.isEmpty else {
            throw XCTSkip("set WEIGHTPORT_WRITER_OUT to write sample outputs for tests/python/check_writers.py")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let samples = try WriterSamples.all()
        let all = WriterSamples.stateDict(samples)
        try TorchZipWriter.write(all, to: out + "/torch_all.pth", overwrite: true)
        let subset = WriterSamples.stateDict(samples) { ["t_float32", "t_bfloat16", "t_uint16", "steps"].contains($0.name) }
        let checkpoint = PickleWritable.stringDict([
            ("model", .stateDict(subset)), ("epoch", .int(12)), ("lr", .float(0.02)), ("name", .string("r50 ✓")),
            ("flags", .list([.bool(true), .bool(false), .none])), ("sizes", .tuple([.int(1), .int(1 << 40), .int(-7)])),
            ("cfg", .stringDict([("depth", .int(50)), ("norm", .string("FrozenBN"))])),
        ])
        try TorchZipWriter.write(checkpoint, to: out + "/torch_nested.pt", overwrite: true)
        let st = WriterSamples.stateDict(samples) { SafetensorsReader.code(for: $0.tensor.dtype) != nil }
        try SafetensorsWriter.write(st, to: out + "/all.safetensors", metadata: ["source": "weightport"], overwrite: true)
        let numpyOK = WriterSamples.stateDict(samples) { DetectronPickleWriter.numpyType($0.tensor.dtype) != nil }
        let cfg = "MODEL:\n  TYPE: generalized_rcnn\nNUM_GPUS: 8\n"
        try DetectronPickleWriter.write(numpyOK, to: out + "/model_final.pkl", layout: .trainedModel(cfg: cfg), overwrite: true)
        try DetectronPickleWriter.write(numpyOK, to: out + "/R-50.pkl", layout: .flat, overwrite: true)
        let manifest: [String: Any] = ["tensors": WriterSamples.manifest(samples), "cfg": cfg]
        try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: out + "/manifest.json"))
    }
}
