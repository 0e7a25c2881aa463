import Foundation
import WeightPort
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// Detectron's C4 mask branches pool `_[mask]_pool5` with `MRCNN.ROI_XFORM_*`
/// (`add_ResNet_roi_conv5_head_for_masks`, for `v0up` and for `v0upshare`'s test-time
/// recomputation), not the box head's `FAST_RCNN.ROI_XFORM_*`. The C4 fixtures' arrays were
/// recorded with both at sampling ratio 0; rewriting a pickle's cfg so that one head samples 2 per
/// bin must break exactly that head's arrays and leave the other's verifying.
final class C4MaskPoolerVerifyTests: XCTestCase {
    static let box = ["box.features", "box.cls_score", "box.bbox_pred"]
    static let mask = ["mask.pooled", "mask.logits"]

    struct Run {
        let status: Int32
        /// The report's layers by canonical name.
        let layers: [String: [String: Any]]
        let provenance: [String: String]

        func passed(_ name: String) -> Bool? { layers[name]?["passed"] as? Bool }
        func maxAbs(_ name: String) -> Double { layers[name]?["max_abs_error"] as? Double ?? .nan }
    }

    /// Verifies `fixture`'s weights, re-saved with a cfg for `maskHead` whose box and mask RoI
    /// transforms sample `boxSampling` and `maskSampling` points per bin, against `expect`.
    func verify(_ fixture: String, maskHead: String, expect: String, boxes: String,
                boxSampling: Int, maskSampling: Int) throws -> Run {
        let blobs = try WeightFileLoader.load(path: Fixtures.path(fixture)).tensors
        let cfg = """
        MODEL:
          CONV_BODY: ResNet.add_ResNet50_conv4_body
          MASK_ON: True
        RESNETS:
          STRIDE_1X1: True
        FAST_RCNN:
          ROI_BOX_HEAD: ResNet.add_ResNet_roi_conv5_head
          ROI_XFORM_METHOD: RoIAlign
          ROI_XFORM_RESOLUTION: 14
          ROI_XFORM_SAMPLING_RATIO: \(boxSampling)
        MRCNN:
          ROI_MASK_HEAD: mask_rcnn_heads.mask_rcnn_fcn_head_\(maskHead)
          RESOLUTION: 14
          ROI_XFORM_METHOD: RoIAlign
          ROI_XFORM_RESOLUTION: 14
          ROI_XFORM_SAMPLING_RATIO: \(maskSampling)
          DILATION: 1

        """
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wp-c4-mask-pooler-\(UUID().uuidString).pkl").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try DetectronPickleWriter.write(StateDict(blobs.map { ($0.name, $0.tensor) }), to: out, layout: .trainedModel(cfg: cfg))
        let result = try CLIRunner.run(["verify", out, "--input", Fixtures.path("heads/input.npy"), "--boxes", Fixtures.path(boxes),
                                        "--from", "detectron", "--json", "--expect", Fixtures.path(expect)])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        return Run(status: result.status,
                   layers: Dictionary(uniqueKeysWithValues: layers.map { ($0["name"] as? String ?? "", $0) }),
                   provenance: object["semantics_provenance"] as? [String: String] ?? [:])
    }

    /// v0up against its Detectron-named arrays (`res5_pool`, `cls_score`, `bbox_pred`;
    /// `_[mask]_pool5`, `mask_fcn_logits`).
    func verifyV0up(boxSampling: Int, maskSampling: Int) throws -> Run {
        try verify("heads/detectron_c4_v0up/model_final.pkl", maskHead: "v0up",
                   expect: "heads/detectron_c4_v0up/expected_detectron_names.npz", boxes: "heads/boxes_named.npy",
                   boxSampling: boxSampling, maskSampling: maskSampling)
    }

    func testV0upPoolsWithTheMaskSettingsNotTheBoxHeads() throws {
        let run = try verifyV0up(boxSampling: 2, maskSampling: 0)
        XCTAssertNotEqual(run.status, 0, "the box head now samples 2 per bin: its arrays no longer match")
        XCTAssertEqual(Set(run.layers.keys), Set(Self.box + Self.mask))
        for name in Self.mask {
            XCTAssertEqual(run.passed(name), true, "\(name) follows MRCNN's sampling ratio 0")
            XCTAssertLessThan(run.maxAbs(name), 1e-4)
        }
        XCTAssertEqual(run.layers["mask.pooled"]?["shape"] as? [Int], [3, 16, 14, 14])
        for name in Self.box {
            XCTAssertEqual(run.passed(name), false, "\(name) follows FAST_RCNN's sampling ratio 2")
        }
        XCTAssertGreaterThan(run.maxAbs("box.features"), 0.05, "measured 0.088")
        XCTAssertEqual(run.provenance["heads.c4_mask"], "file")
        XCTAssertEqual(run.provenance["heads.c4"], "file")
    }

    /// The other way round: v0up's branch (and its logits) moves with MRCNN's sampling while the
    /// box head's arrays still verify.
    func testV0upBoxHeadKeepsItsSettingsWhenOnlyTheMaskDiffers() throws {
        let run = try verifyV0up(boxSampling: 0, maskSampling: 2)
        XCTAssertNotEqual(run.status, 0)
        for name in Self.box {
            XCTAssertEqual(run.passed(name), true, "\(name) follows FAST_RCNN's sampling ratio 0")
        }
        for name in Self.mask {
            XCTAssertEqual(run.passed(name), false, "\(name) follows MRCNN's sampling ratio 2")
        }
        XCTAssertGreaterThan(run.maxAbs("mask.pooled"), 0.5, "measured 0.70")
        XCTAssertGreaterThan(run.maxAbs("mask.logits"), 1.0, "measured 1.88")
    }

    /// v0upshare recomputes `_[mask]_res5` (the box head's weights) on `_[mask]_pool5` at test time:
    /// with the box head sampling 2 and the mask 0, the recorded mask logits (sampling 0) still
    /// verify and the box head's arrays do not.
    func testV0upshareRecomputesRes5OnTheMaskPooling() throws {
        let run = try verify("heads/detectron_c4/model_final.pkl", maskHead: "v0upshare",
                             expect: "heads/detectron_c4/expected.npz", boxes: "heads/boxes_kp.npy",
                             boxSampling: 2, maskSampling: 0)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(run.passed("mask.logits"), true)
        XCTAssertLessThan(run.maxAbs("mask.logits"), 1e-4)
        XCTAssertEqual(run.layers["mask.logits"]?["shape"] as? [Int], [5, 5, 14, 14])
        XCTAssertEqual(run.passed("box.pooled"), false)
        XCTAssertEqual(run.passed("box.features"), false)
    }
}
