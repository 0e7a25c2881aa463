import WeightPortModels
import WeightPortVocabulary
import XCTest

/// The hub's tree: every node reports its parameters and shapes, heads included.
final class ModelTreeTests: XCTestCase {
    /// An R-50-FPN Mask R-CNN + keypoint head as Detectron's defaults size it.
    func detector() throws -> ArchitectureSpec {
        var spec = try ArchitectureSpec(name: "R-50-FPN")
        spec.heads = HeadsSpec(rpn: .init(channels: 256, anchors: 3),
                               box: .init(inChannels: 256, resolution: 7),
                               boxPredictor: .init(inFeatures: 1024, classes: 81, boxRows: 324),
                               mask: .init(inChannels: 256, convs: 4, dim: 256, classes: 81),
                               keypoint: .init(inChannels: 256, convs: 8, dim: 512, keypoints: 17))
        return spec
    }

    func testHeadParametersHaveTheFrameworksShapes() throws {
        let shapes = Dictionary(try ModelTree(spec: detector()).parameters.map { ($0.path, $0.shape) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(shapes["proposal_generator.rpn_head.conv.weight"], [256, 256, 3, 3])
        XCTAssertEqual(shapes["proposal_generator.rpn_head.objectness_logits.weight"], [3, 256, 1, 1])
        XCTAssertEqual(shapes["proposal_generator.rpn_head.anchor_deltas.bias"], [12])
        XCTAssertEqual(shapes["roi_heads.box_head.fc1.weight"], [1024, 256 * 7 * 7])
        XCTAssertEqual(shapes["roi_heads.box_head.fc2.weight"], [1024, 1024])
        XCTAssertEqual(shapes["roi_heads.box_predictor.cls_score.weight"], [81, 1024])
        XCTAssertEqual(shapes["roi_heads.box_predictor.bbox_pred.weight"], [324, 1024])
        XCTAssertEqual(shapes["roi_heads.mask_head.mask_fcn4.weight"], [256, 256, 3, 3])
        // ConvTranspose2d stores [in, out, k, k].
        XCTAssertEqual(shapes["roi_heads.mask_head.deconv.weight"], [256, 256, 2, 2])
        XCTAssertEqual(shapes["roi_heads.mask_head.predictor.weight"], [81, 256, 1, 1])
        XCTAssertEqual(shapes["roi_heads.keypoint_head.conv_fcn8.weight"], [512, 512, 3, 3])
        XCTAssertEqual(shapes["roi_heads.keypoint_head.score_lowres.weight"], [512, 17, 4, 4])
        XCTAssertNil(shapes["roi_heads.mask_head.mask_fcn5.weight"])
    }

    /// Heads are inferred from the tensors present, so a gap in a tower is a missing tensor and a
    /// wrong width a shape mismatch, found by the same check as the backbone's.
    func testInferredHeadsExposeGapsAndWrongShapes() throws {
        let full = try ModelTree(spec: detector()).parameters
        var shapes = full.filter { $0.path != "roi_heads.mask_head.mask_fcn3.weight" }.map { ($0.path, $0.shape) }
        if let i = shapes.firstIndex(where: { $0.0 == "roi_heads.box_head.fc2.weight" }) { shapes[i].1 = [1024, 1000] }
        var inferred = try ArchitectureInference.infer(from: shapes, defaults: try ArchitectureSpec(name: "R-50-FPN"))
        XCTAssertEqual(inferred.heads.mask?.convs, 4)
        XCTAssertEqual(inferred.heads.keypoint?.keypoints, 17)
        XCTAssertEqual(inferred.heads.box?.resolution, 7)
        XCTAssertEqual(inferred.heads.rpn?.anchors, 3)
        let check = try ModelTree(spec: inferred).check(shapes)
        XCTAssertEqual(check.missing, ["roi_heads.mask_head.mask_fcn3.weight"])
        XCTAssertEqual(check.mismatched.map(\.path), ["roi_heads.box_head.fc2.weight"])
        XCTAssertEqual(check.unexpected, [])
        inferred.heads = HeadsSpec()
        let backbone = try ModelTree(spec: inferred)
        XCTAssertEqual(backbone.check(shapes).unexpected.count, shapes.count - backbone.parameters.count)
    }

    /// C4: the mask head upsamples res5's 2048 channels with no convs; the predictor reads res5.
    func testC4HeadsInferFromRes5() throws {
        var spec = try ArchitectureSpec(name: "R-50-C4")
        spec.heads = HeadsSpec(rpn: .init(channels: 1024, anchors: 15),
                               boxPredictor: .init(inFeatures: 2048, classes: 81, boxRows: 8),
                               mask: .init(inChannels: 2048, convs: 0, dim: 256, classes: 81))
        let shapes = try ModelTree(spec: spec).parameters.map { ($0.path, $0.shape) }
        let inferred = try ArchitectureInference.infer(from: shapes, defaults: try ArchitectureSpec(name: "R-50-C4"))
        XCTAssertEqual(inferred.heads, spec.heads)
        XCTAssertTrue(inferred.heads.boxPredictor?.isClassAgnostic == true)
        XCTAssertTrue(try ModelTree(spec: inferred).check(shapes).isExact)
    }

    /// C4 `v0up`: the mask branch owns a res5 copy (`roi_heads.mask_head.res5`) with res5's shapes,
    /// read back from the tensors as blocks; the box head's res5 then no longer feeds the mask.
    func testC4V0upMaskHeadOwnsARes5Copy() throws {
        var spec = try ArchitectureSpec(name: "R-50-C4")
        spec.heads = HeadsSpec(rpn: .init(channels: 1024, anchors: 15),
                               boxPredictor: .init(inFeatures: 2048, classes: 81, boxRows: 8),
                               mask: .init(inChannels: 2048, convs: 0, dim: 256, classes: 81, ownRes5Blocks: 3))
        let tree = try ModelTree(spec: spec)
        let shapes = Dictionary(tree.parameters.map { ($0.path, $0.shape) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(shapes["roi_heads.mask_head.res5.0.conv1.weight"], [512, 1024, 1, 1])
        XCTAssertEqual(shapes["roi_heads.mask_head.res5.0.shortcut.weight"], [2048, 1024, 1, 1])
        XCTAssertEqual(shapes["roi_heads.mask_head.res5.2.conv3.weight"], [2048, 512, 1, 1])
        XCTAssertEqual(shapes["roi_heads.mask_head.res5.0.conv2.weight"], shapes["roi_heads.res5.0.conv2.weight"])
        let copy = try XCTUnwrap(tree.heads.compactMap { $0 as? MaskRes5Head }.first)
        XCTAssertEqual(copy.blocks.count, 3)
        XCTAssertEqual(copy.blocks[0].convs[0].stride, 2, "built as res5 (MRCNN.DILATION 1); the dilation is applied at run time")
        XCTAssertEqual(tree.heads.compactMap { $0 as? C4RoIHead }.first?.feedsMask, false)
        let order = tree.heads.map { String(describing: type(of: $0)) }
        XCTAssertLessThan(try XCTUnwrap(order.firstIndex(of: "MaskRes5Head")), try XCTUnwrap(order.firstIndex(of: "MaskHead")))
        let inferred = try ArchitectureInference.infer(from: tree.parameters.map { ($0.path, $0.shape) },
                                                       defaults: try ArchitectureSpec(name: "R-50-C4"))
        XCTAssertEqual(inferred.heads, spec.heads)
        var shared = spec
        shared.heads.mask?.ownRes5Blocks = nil
        XCTAssertEqual(try ModelTree(spec: shared).heads.compactMap { $0 as? C4RoIHead }.first?.feedsMask, true)
    }

    func testSpecWithHeadsRoundTripsThroughJSON() throws {
        let spec = try detector()
        let data = try JSONEncoder().encode(spec)
        XCTAssertEqual(try JSONDecoder().decode(ArchitectureSpec.self, from: data), spec)
    }

    /// Flags are derived from an architecture in one place; ResNetV1c has a deep stem without avg_down.
    func testFlagsOfAnArchitecture() throws {
        var spec = try ArchitectureSpec(name: "R-50")
        spec.stem = .deep
        spec.stemWidths = [32, 32, 64]
        XCTAssertEqual(spec.flags, [.deepStem])
        spec.shortcut = .avgDown
        XCTAssertEqual(spec.flags, [.deepStem, .avgDown])
        XCTAssertEqual(try detector().flags, [.fpn, .detection])
        XCTAssertEqual(try ArchitectureSpec(name: "R-50-C4").flags, [.c4, .detection])
    }

    /// Every node emits what the forward pass computes, in order.
    func testFeatureOrderComesFromTheTree() throws {
        let tree = try ModelTree(spec: detector())
        XCTAssertEqual(tree.featureNames, ["stem", "res2", "res3", "res4", "res5", "p2", "p3", "p4", "p5", "p6"])
        XCTAssertEqual(tree.heads.map(\.path), ["proposal_generator.rpn_head", "roi_heads.box_head", "roi_heads.box_predictor",
                                                "roi_heads.mask_head", "roi_heads.keypoint_head"])
    }

    /// Deformable stages round-trip through the model-zoo spelling `--arch` takes.
    func testDeformableNamesRoundTrip() throws {
        for name in ["R-50-FPN-DCN-c3c5", "R-101-FPN-DCNv2-c3c5-g4", "R-50-C4-DCN-c5", "X-101-32x8d-FPN-DCNv2-c3+c5"] {
            XCTAssertEqual(try ArchitectureSpec(name: name).name, name)
        }
        let spec = try ArchitectureSpec(name: "R-101-FPN-DCNv2-c3c5-g4")
        XCTAssertEqual(spec.deformable, DeformableSpec(stages: [false, true, true, true], modulated: true, groups: 4))
        XCTAssertEqual(try ArchitectureSpec(name: "R-50-DCN-c3+c5").deformable?.stages, [false, true, false, true])
        XCTAssertThrowsError(try ArchitectureSpec(name: "R-50-FPN-DCN-c6"))
        XCTAssertThrowsError(try ArchitectureSpec(name: "R-50-FPN-DCN-c3c5-g0"))
    }

    /// A deformable stage's blocks own an offset conv (detectron2's `conv2_offset`) with conv2's
    /// stride and (2 or 3)·groups·9 rows; the conv itself keeps its shape and norm.
    func testDeformableBlocksOwnTheirOffsetConv() throws {
        let shapes = Dictionary(try ModelTree(spec: ArchitectureSpec(name: "R-50-FPN-DCNv2-c3c5-g4")).parameters.map { ($0.path, $0.shape) },
                                uniquingKeysWith: { a, _ in a })
        XCTAssertNil(shapes["res2.0.conv2_offset.weight"])
        XCTAssertEqual(shapes["res3.0.conv2_offset.weight"], [108, 128, 3, 3])
        XCTAssertEqual(shapes["res3.0.conv2_offset.bias"], [108])
        XCTAssertEqual(shapes["res5.2.conv2_offset.weight"], [108, 512, 3, 3])
        XCTAssertEqual(shapes["res3.0.conv2.weight"], [128, 128, 3, 3])
        XCTAssertEqual(shapes["res3.0.conv2.norm.running_var"], [128])
    }
}
