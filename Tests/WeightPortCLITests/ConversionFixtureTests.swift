import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// fixtures/conventions: one model written natively in every convention, and expected.json
/// (written by fixtures/gen_conventions.py) telling each tensor's role in each file.
enum ConventionFixtures {
    struct Norm {
        let canonical: String
        let kind: String          // batchnorm | affine | caffe
        let eps: Double
        let names: [String: String]
        let convBias: String?
    }

    struct Predictor {
        let canonical: String
        let background: String    // first | last
        let kind: String          // cls_score | bbox_pred | mask
    }

    struct File {
        let file: String
        let convention: String
        let format: String
        let family: String        // detection | classifier
        let sourceOnly: Bool
        let exact: [String: String]
        let norms: [Norm]
        let predictors: [String: Predictor]
        let unused: [String]
        var path: String { Fixtures.path("conventions/\(file)") }
        var hasCounters: Bool { unused.contains { $0.hasSuffix(".num_batches_tracked") } }
    }

    static let files: [File] = {
        let url = Fixtures.root.appendingPathComponent("conventions/expected.json")
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = root["files"] as? [[String: Any]] else { return [] }
        return list.map { r in
            let norms = (r["norms"] as? [[String: Any]] ?? []).map { n -> Norm in
                var names: [String: String] = [:]
                for key in ["weight", "bias", "running_mean", "running_var", "factor"] {
                    if let v = n[key] as? String { names[key] = v }
                }
                return Norm(canonical: n["canonical"] as! String, kind: n["kind"] as! String,
                            eps: (n["eps"] as! NSNumber).doubleValue, names: names, convBias: n["conv_bias"] as? String)
            }
            var predictors: [String: Predictor] = [:]
            for (name, p) in r["predictors"] as? [String: [String: String]] ?? [:] {
                predictors[name] = Predictor(canonical: p["canonical"]!, background: p["background"]!, kind: p["kind"]!)
            }
            return File(file: r["file"] as! String, convention: r["convention"] as! String, format: r["format"] as! String,
                        family: r["family"] as! String, sourceOnly: r["source_only"] as? Bool ?? false,
                        exact: r["exact"] as? [String: String] ?? [:], norms: norms, predictors: predictors,
                        unused: r["unused"] as? [String] ?? [])
        }
    }()

    static func file(_ name: String) -> File { files.first { $0.file == name }! }

    static var catalog: MappingCatalog {
        get throws { try MappingCatalog(folder: Fixtures.root.deletingLastPathComponent().appendingPathComponent("mappings").path) }
    }

    /// The weights a file holds, unwrapped from its checkpoint container.
    static func weights(_ path: String) throws -> StateDict {
        CheckpointUnwrapper.unwrap(try WeightFileLoader.load(path: path).tensors, containers: try catalog.containerKeys).weights
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wp-conv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A minimal safetensors file (F32 only) for the strictness tests.
    static func writeSafetensors(_ tensors: [(String, [Int], [Float])], to path: String) throws {
        var header: [String] = []
        var payload = Data()
        for (name, shape, values) in tensors {
            let start = payload.count
            values.withUnsafeBufferPointer { payload.append(Data(buffer: $0)) }
            header.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(start),\(payload.count)]}")
        }
        var json = Data(("{" + header.joined(separator: ",") + "}").utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var length = UInt64(json.count).littleEndian
        var data = Data(bytes: &length, count: 8)
        data.append(json)
        data.append(payload)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Every tensor of `dict` as (name, shape, floats).
    static func triples(_ dict: StateDict) -> [(String, [Int], [Float])] {
        dict.map { ($0.name, $0.tensor.shape, $0.tensor.floats()) }
    }
}

/// What a norm computes: y = scale·x + shift (per channel), in Double.
struct NormFunction {
    let scale: [Double]
    let shift: [Double]
    let magnitude: [Double]   // |shift terms| + |scale|: the size the float32 rounding scales with

    /// `convention`'s form read from `weights` under `names` with `eps`; a stem conv bias `c`
    /// feeding the norm adds c·scale to the shift.
    init(_ weights: StateDict, names: [String: String], kind: String, eps: Double, convBias: String?) throws {
        func values(_ key: String) throws -> [Double] {
            let name = try XCTUnwrap(names[key], "no \(key) name")
            return try XCTUnwrap(weights[name], "missing \(name)").floats().map(Double.init)
        }
        let w = try values("weight"), b = try values("bias")
        var scale = w, shift = b, magnitude = b.map(abs)
        if kind != "affine" {
            var m = try values("running_mean"), v = try values("running_var")
            if kind == "caffe" {
                let f = try values("factor")[0]
                m = m.map { f == 0 ? 0 : $0 / f }
                v = v.map { f == 0 ? 0 : $0 / f }
            }
            scale = zip(w, v).map { $0 / ($1 + eps).squareRoot() }
            shift = (0..<w.count).map { b[$0] - m[$0] * scale[$0] }
            magnitude = (0..<w.count).map { abs(b[$0]) + abs(m[$0] * scale[$0]) }
        }
        if let convBias, let c = weights[convBias]?.floats() {
            for i in 0..<shift.count {
                shift[i] += Double(c[i]) * scale[i]
                magnitude[i] += abs(Double(c[i]) * scale[i])
            }
        }
        self.scale = scale
        self.shift = shift
        self.magnitude = (0..<scale.count).map { magnitude[$0] + abs(scale[$0]) }
    }
}

/// The fixtures themselves: expected.json describes every file, and each file holds exactly the
/// tensors it lists (so the matrix below compares everything a native file has).
final class ConversionFixtureTests: XCTestCase {
    func testExpectedListsEveryTensorOfEveryFile() throws {
        XCTAssertEqual(ConventionFixtures.files.count, 12)
        for file in ConventionFixtures.files {
            let weights = try ConventionFixtures.weights(file.path)
            var listed = Set(file.exact.keys).union(file.predictors.keys).union(file.unused)
            for norm in file.norms { listed.formUnion(norm.names.values) }
            if file.convention == "caffe" { listed.insert("conv1/1") }
            XCTAssertEqual(Set(weights.names), listed, file.file)
        }
    }
}
