import Foundation
import WeightPortTestSupport
import XCTest

/// Every case of fixtures/heads/cases.json through `weightport verify --boxes`: torchvision's own
/// head modules, and Detectron, detectron2 and C4 heads computed with torchvision ops under each
/// framework's RoIAlign variant, sampling, level rule, class layout and keypoint upsampling.
final class VerifyHeadsTests: XCTestCase {
    func run(_ item: [String: Any]) throws -> (CLIRunner.Result, [String: Any]) {
        let arguments = ["verify", Fixtures.path(item["weights"] as? String ?? ""),
                         "--input", Fixtures.path(item["input"] as? String ?? ""),
                         "--boxes", Fixtures.path(item["boxes"] as? String ?? ""),
                         "--expect", Fixtures.path(item["expect"] as? String ?? ""), "--json"]
            + (item["args"] as? [String] ?? [])
        let result = try CLIRunner.run(arguments)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                   result.stderr)
        return (result, object)
    }

    func testEveryHeadCase() throws {
        let cases = try XCTUnwrap(try Fixtures.json("heads/cases.json") as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let (result, object) = try run(item)
            let passes = item["passes"] as? Bool ?? false
            XCTAssertEqual(result.status, passes ? 0 : 1, "\(name): \(result.stdout.prefix(600)) \(result.stderr)")
            let layers = try XCTUnwrap(object["layers"] as? [[String: Any]], name)
            // Every array of the expected file was compared (none skipped), heads included.
            let expectedArrays = try XCTUnwrap(item["arrays"] as? [String: Any], name)
            XCTAssertEqual(Set(layers.compactMap { $0["name"] as? String }).count, expectedArrays.count, name)
            XCTAssertEqual(object["heads_not_run"] as? [String], [], name)
            let failing = layers.first { ($0["passed"] as? Bool) == false }
            XCTAssertEqual(failing?["name"] as? String, item["first_failing"] as? String, name)
            if let cause = item["cause_contains"] as? String {
                XCTAssertTrue((object["diagnosis"] as? String ?? "").contains(cause), "\(name): \(object["diagnosis"] ?? "")")
            }
            if let failing, let wrongBy = item["wrong_by"] as? [String: [String: Double]],
               let featureName = failing["name"] as? String, let want = wrongBy[featureName]?["max_abs"] {
                // The check fails by exactly the difference between the two semantics (float32
                // sums in another order move it by far less than 1e-4 of its size).
                let got = try XCTUnwrap(failing["max_abs_error"] as? Double, name)
                XCTAssertEqual(got, want, accuracy: max(1e-4 * want, 1e-5), name)
            }
            for layer in layers where (layer["passed"] as? Bool) == true {
                // Passing features: within 1e-5 of each feature's range (the default tolerance
                // is 1e-4; honest float32 reorderings of these narrow heads stay near 1e-6).
                XCTAssertLessThanOrEqual(layer["max_rel_error"] as? Double ?? 1, 1e-5, "\(name) \(layer["name"] ?? "")")
            }
        }
    }

    /// Without --boxes the RoI heads' tensors are checked by name and shape, and the report says
    /// they were not run; asking for a head array then is an error naming the flag.
    func testHeadArraysNeedBoxes() throws {
        let weights = Fixtures.path("heads/torchvision_mask/weights.pth")
        let result = try CLIRunner.run(["verify", weights, "--input", Fixtures.path("heads/input.npy"),
                                        "--expect", Fixtures.path("heads/torchvision_mask/expected.safetensors"),
                                        "--from", "torchvision"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("needs boxes to run the RoI heads on (--boxes B)"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1)
    }

    /// What the tensors' shapes settle is reported as the effective value: a 2A objectness conv is
    /// a softmax RPN whatever the table declares (detectron.pytorch's says sigmoid, its default).
    func testRPNActivationIsReportedFromTheShapes() throws {
        let arguments = ["verify", Fixtures.path("heads/detectron_pytorch_softmax_rpn/model_step89999.pth"),
                         "--input", Fixtures.path("heads/input.npy"),
                         "--expect", Fixtures.path("heads/detectron_pytorch_softmax_rpn/expected.npz"), "--from", "detectron.pytorch"]
        let text = try CLIRunner.run(arguments)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("from the tensors' shapes: heads.rpn_activation = softmax"), text.stdout)
        XCTAssertFalse(text.stdout.contains("table defaults: background_class, heads.agnostic_box_rows, heads.box, heads.c4, heads.canonical_level, heads.canonical_scale, heads.keypoint, heads.keypoint_upsampling, heads.level_rule, heads.mask, heads.roi_align, heads.rpn_activation"))
        let json = try CLIRunner.run(arguments + ["--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((object["semantics_provenance"] as? [String: String])?["heads.rpn_activation"], "tensors")
    }

    /// `MRCNN.DILATION`: the v0up pickle's cfg states 1 (from the file); the other pickle's cfg
    /// leaves it out, so Detectron's default 2 applies (the table's).
    func testMaskDilationComesFromTheCfgOrDetectronsDefault() throws {
        for (pickle, expect, source) in [("model_final.pkl", "expected_detectron_names.npz", "file"),
                                         ("model_final_default_dilation.pkl", "expected_default_dilation.npz", "table")] {
            let result = try CLIRunner.run(["verify", Fixtures.path("heads/detectron_c4_v0up/" + pickle),
                                            "--input", Fixtures.path("heads/input.npy"),
                                            "--boxes", Fixtures.path("heads/boxes_named.npy"),
                                            "--expect", Fixtures.path("heads/detectron_c4_v0up/" + expect), "--from", "detectron", "--json"])
            XCTAssertEqual(result.status, 0, result.stdout)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual((object["semantics_provenance"] as? [String: String])?["heads.mask_dilation"], source, pickle)
        }
    }
}
