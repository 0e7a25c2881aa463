import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// A width-0.25 timm GhostNet with random weights and statistics (fixtures/dcnghost/ghostnet,
/// recorded by timm) through the CLI: detected as `timm`, verified, converted to mmdetection's
/// `backbone.` names and to a bundle, verified again.
final class GhostNetVerifyTests: XCTestCase {
    let dir = "dcnghost/ghostnet/"

    /// The recorded features the hub names (`stem`, `c2`…`c5`, `logits`), written to a temporary file.
    func expected() throws -> String {
        let file = try SafetensorsReader.read(try Fixtures.bytes(dir + "features.safetensors"))
        let kept = StateDict(file.tensors.filter { ["stem", "c2", "c3", "c4", "c5", "logits"].contains($0.name) }.map { ($0.name, $0.tensor) })
        let path = NSTemporaryDirectory() + "ghost-expected-\(UUID().uuidString).safetensors"
        try SafetensorsWriter.write(kept, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func verify(_ weights: String, expect: String, _ extra: [String] = []) throws -> [String: Any] {
        let result = try CLIRunner.run(["verify", weights, "--input", Fixtures.path(dir + "input.safetensors"),
                                        "--expect", expect, "--json"] + extra)
        XCTAssertEqual(result.status, 0, "\(weights): \(result.stdout.prefix(600)) \(result.stderr)")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func testVerifiesDetectedAsTimm() throws {
        let object = try verify(Fixtures.path(dir + "weights.safetensors"), expect: try expected())
        XCTAssertEqual(object["convention"] as? String, "timm")
        let arch = try XCTUnwrap(object["architecture"] as? [String: Any])
        XCTAssertEqual(arch["name"] as? String, "GhostNet-0.25")
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.compactMap { $0["name"] as? String }, ["stem", "c2", "c3", "c4", "c5", "logits"])
        for layer in layers {
            // Depthwise and squeeze-excite chains agree with timm to ~1e-6 of each feature's range.
            XCTAssertLessThanOrEqual(layer["max_rel_error"] as? Double ?? 1, 1e-5, "\(layer["name"] ?? "")")
        }
    }

    func testConvertsToMmdetAndABundleAndStillVerifies() throws {
        let out = NSTemporaryDirectory() + "ghost-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: out) }
        let expect = try expected()
        let source = Fixtures.path(dir + "weights.safetensors")
        let mmdet = out + "/ghost.pth"
        let converted = try CLIRunner.run(["convert", source, "--to", "mmdet", "-o", mmdet])
        XCTAssertEqual(converted.status, 0, converted.stdout + converted.stderr)
        XCTAssertEqual(try verify(mmdet, expect: expect)["convention"] as? String, "mmdet")
        let bundle = out + "/ghost.h5"
        XCTAssertEqual(try CLIRunner.run(["export", mmdet, "-o", bundle]).status, 0)
        XCTAssertEqual(try verify(bundle, expect: expect)["passed"] as? Bool, true)
        // torchvision has no GhostNet: refused, nothing written.
        let refused = try CLIRunner.run(["convert", source, "--to", "torchvision", "-o", out + "/tv.pth"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("torchvision has no GhostNet backbone:"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("no name in the target (e.g. ghostnet."), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/tv.pth"))
    }

    /// huawei-noah checkpoints carry thop's counters: reported as bookkeeping, not errors.
    func testThopCountersAreBookkeeping() throws {
        let file = try SafetensorsReader.read(try Fixtures.bytes(dir + "weights.safetensors"))
        var tensors = file.tensors
        tensors["total_ops"] = Tensor(float32: [1], shape: [1])
        tensors["blocks.0.0.total_params"] = Tensor(float32: [1], shape: [1])
        let path = NSTemporaryDirectory() + "ghost-thop-\(UUID().uuidString).safetensors"
        try SafetensorsWriter.write(tensors, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        let object = try verify(path, expect: try expected())
        XCTAssertEqual(object["passed"] as? Bool, true)
    }

    /// An mmdetection GhostNet-FPN detector (`backbone.<timm name>`, `neck.lateral_convs/fpn_convs`;
    /// fixtures/ghostnet_fpn, the pyramid recorded by torchvision's FeaturePyramidNetwork): the
    /// stride features feed the hub's pyramid node; verified, then through a bundle.
    func testMmdetGhostNetFPNDetector() throws {
        let backbone = try SafetensorsReader.read(try Fixtures.bytes(dir + "weights.safetensors")).tensors
        let neck = try SafetensorsReader.read(try Fixtures.bytes("ghostnet_fpn/neck.safetensors")).tensors
        var state = StateDict()
        for (name, tensor) in backbone where !name.hasPrefix("conv_head.") && !name.hasPrefix("classifier.") {
            state["backbone." + name] = tensor
        }
        for (name, tensor) in neck { state[name] = tensor }
        let out = NSTemporaryDirectory() + "ghost-fpn-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: out) }
        let detector = out + "/detector.safetensors"
        try SafetensorsWriter.write(state, to: detector)
        let expect = Fixtures.path("ghostnet_fpn/features.safetensors")
        let object = try verify(detector, expect: expect)
        XCTAssertEqual(object["convention"] as? String, "mmdet")
        XCTAssertEqual((object["architecture"] as? [String: Any])?["name"] as? String, "GhostNet-0.25-FPN")
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.compactMap { $0["name"] as? String }, ["stem", "c2", "c3", "c4", "c5", "p2", "p3", "p4", "p5", "p6"])
        for layer in layers {
            XCTAssertLessThanOrEqual(layer["max_rel_error"] as? Double ?? 1, 1e-5, "\(layer["name"] ?? "")")
        }
        let bundle = out + "/detector.h5"
        XCTAssertEqual(try CLIRunner.run(["export", detector, "-o", bundle]).status, 0)
        XCTAssertEqual(try verify(bundle, expect: expect)["passed"] as? Bool, true)
    }
}
