import XCTest
import WeightPortCore
import WeightPortModels
import WeightPortTestSupport

/// Inferring the architecture back from canonical names and shapes.
final class ArchitectureInferenceTests: XCTestCase {
    /// Every fixture's spec is recovered from its weights, given only what no tensor says.
    func testRecoversFixtureSpecs() throws {
        let variants = ["r50_fpn_torchvision", "r50_fpn_retinanet_caffe_affine", "x50_gn_fpn_p6p7_p5", "r50_fpn_p2only",
                        "r18_classifier", "r50_dilated_torchvision", "r50_dilated_detectron2", "r50_c4", "resnet50d_timm",
                        "r18_fpn_caffe_pool"]
        for name in variants {
            let fixture = try ModelFixture(name)
            var defaults = try ArchitectureSpec(name: "R-101-C5")
            let truth = fixture.spec
            defaults.strideIn1x1 = truth.strideIn1x1
            defaults.stemPool = truth.stemPool
            defaults.shortcut = truth.shortcut
            defaults.dilations = truth.dilations
            defaults.dilateFirstBlock = truth.dilateFirstBlock
            defaults.norm = truth.norm.kind == .group ? truth.norm : NormSpec(kind: .batch, eps: truth.norm.eps)
            defaults.fpn = truth.fpn.map { FeaturePyramidSpec(channels: 1, topBlock: $0.topBlock == .none ? .none : .maxPool,
                                                              onlyP2: $0.onlyP2, norm: $0.norm) }
            var inferred = try ArchitectureInference.infer(from: fixture.weights.map { ($0.name, $0.tensor.shape) },
                                                           defaults: defaults)
            inferred.depth = truth.depth
            XCTAssertEqual(inferred, truth, name)
        }
    }

    func testRecoversPublishedModels() throws {
        guard let tables = try Fixtures.json("models/full_size_parameters.json") as? [String: [[Any]]] else {
            return XCTFail("unreadable full_size_parameters.json")
        }
        for (name, entries) in tables {
            let shapes = entries.compactMap { entry -> (String, [Int])? in
                guard let path = entry.first as? String, let shape = entry.last as? [Int] else { return nil }
                return (path, shape)
            }
            let spec = try ArchitectureInference.infer(from: shapes)
            XCTAssertEqual(spec.name, name)
            XCTAssertEqual(spec.classes, name.contains("FPN") ? nil : 1000, name)
            XCTAssertEqual(spec.norm.kind, .batch, name)
        }
    }

    func testFailsWithoutBlocks() {
        XCTAssertThrowsError(try ArchitectureInference.infer(from: [("stem.conv1.weight", [64, 3, 7, 7])]))
    }
}
