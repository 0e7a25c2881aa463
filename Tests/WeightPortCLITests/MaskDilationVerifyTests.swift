import Foundation
import WeightPort
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// Detectron's `v0upshare` mask head recomputes `_[mask]_res5` at test time with the box head's
/// res5 weights and `MRCNN.DILATION`: with the default 2 (a cfg that does not set it) the box
/// head's res5 runs a second time, dilated and unstrided, for the mask branch.
final class MaskDilationVerifyTests: XCTestCase {
    /// The v0up fixture rewritten as v0upshare: its `_[mask]_res5_*` copy becomes the box head's
    /// `res5_*` (so the shared res5 is the very copy the expected logits were computed with) and the
    /// copy is gone; the cfg leaves `MRCNN.DILATION` out. The 28×28 logits torch computed for the
    /// dilated copy must come out of the shared, recomputed res5.
    func testV0upshareRecomputesRes5AtTheDefaultDilation() throws {
        let source = Fixtures.path("heads/detectron_c4_v0up/model_final_default_dilation.pkl")
        let blobs = try WeightFileLoader.load(path: source).tensors
        let copy = "_[mask]_res5_"
        var copies: [String: Tensor] = [:]
        for (name, tensor) in blobs where name.contains(copy) {
            copies[name.replacingOccurrences(of: copy, with: "res5_")] = tensor
        }
        XCTAssertEqual(copies.count, 12, "one block: three convs and the shortcut, each with AffineChannel scale and bias")
        let shared = StateDict(blobs.filter { !$0.name.contains(copy) }.map { ($0.name, copies[$0.name] ?? $0.tensor) })
        XCTAssertEqual(shared.count, blobs.count - copies.count)
        let cfg = """
        MODEL:
          CONV_BODY: ResNet.add_ResNet50_conv4_body
          MASK_ON: True
        MRCNN:
          ROI_MASK_HEAD: mask_rcnn_heads.mask_rcnn_fcn_head_v0upshare
          ROI_XFORM_METHOD: RoIAlign
          ROI_XFORM_RESOLUTION: 14

        """
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wp-v0upshare-\(UUID().uuidString).pkl").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try DetectronPickleWriter.write(shared, to: out, layout: .trainedModel(cfg: cfg))
        let arguments = ["verify", out, "--input", Fixtures.path("heads/input.npy"),
                         "--boxes", Fixtures.path("heads/boxes_named.npy"), "--from", "detectron", "--json"]
        let dilated = try CLIRunner.run(arguments + ["--expect", Fixtures.path("heads/detectron_c4_v0up/expected_default_dilation.npz")])
        XCTAssertEqual(dilated.status, 0, dilated.stdout + dilated.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dilated.stdout.utf8)) as? [String: Any])
        let layer = try XCTUnwrap((object["layers"] as? [[String: Any]])?.first)
        XCTAssertEqual(layer["shape"] as? [Int], [3, 3, 28, 28])
        XCTAssertLessThanOrEqual(layer["max_rel_error"] as? Double ?? 1, 1e-5)
        XCTAssertEqual((object["semantics_provenance"] as? [String: String])?["heads.mask_dilation"], "table")
    }
}
