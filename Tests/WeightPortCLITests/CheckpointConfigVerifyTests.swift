import Foundation
import WeightPortTestSupport
import XCTest

/// `verify` reads the training config a checkpoint carries (fixtures/gen_configs.py): the same
/// ResNetV1d weights verify with the stride on the 3×3 when the file says nothing (mmdetection's
/// default style='pytorch') and on the 1×1 when its `meta.cfg` says style='caffe'.
final class CheckpointConfigVerifyTests: XCTestCase {
    func verify(_ weights: String, expect: String, input: String = "configs/mmdet_input.safetensors",
                _ extra: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(["verify", Fixtures.path("configs/" + weights), "--input", Fixtures.path(input),
                           "--expect", Fixtures.path("configs/" + expect)] + extra)
    }

    func json(_ result: CLIRunner.Result) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout + result.stderr)
    }

    func testWithoutConfigMmdetDefaultsToPytorchStyle() throws {
        let result = try verify("mmdet_v1d.pth", expect: "mmdet_pytorch.safetensors")
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("config:       none in the file: mmdet's defaults (stride on the 3x3, style='pytorch')"), result.stdout)
        let caffe = try verify("mmdet_v1d.pth", expect: "mmdet_caffe.safetensors")
        XCTAssertEqual(caffe.status, 1, "without a config nothing says caffe style")
    }

    func testCaffeStyleInTheConfigPutsTheStrideOnThe1x1() throws {
        let result = try verify("mmdet_v1d_caffe.pth", expect: "mmdet_caffe.safetensors", ["--json"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let object = try json(result)
        let provenance = try XCTUnwrap(object["semantics_provenance"] as? [String: String])
        XCTAssertEqual(provenance["stride_in_1x1"], "file")
        XCTAssertEqual(provenance["pool1"], "table")
        XCTAssertEqual(provenance["heads.box"], "file")
        XCTAssertEqual(provenance["pixel_mean"], "file")
        let config = try XCTUnwrap(object["checkpoint_config"] as? [String: Any])
        XCTAssertEqual(config["origin"] as? String, "meta.cfg")
        XCTAssertEqual((config["settings"] as? [String: String])?["model.backbone.style"], "'caffe'")
        XCTAssertEqual((object["architecture"] as? [String: Any])?["strideIn1x1"] as? Bool, true)

        // The same weights against the pytorch-style recording fail where the stride first matters.
        let wrong = try verify("mmdet_v1d_caffe.pth", expect: "mmdet_pytorch.safetensors", ["--json"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertEqual(((try json(wrong))["diagnosis"] as? String)?.hasPrefix("res3"), true)
    }

    func testOptionBeatsTheFile() throws {
        let result = try verify("mmdet_v1d_caffe.pth", expect: "mmdet_pytorch.safetensors", ["--stride-in-1x1", "false"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("from options: stride_in_1x1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("config:       meta.cfg (mmdet)"), result.stdout)
    }

    func testMmengineAndMmdet2ConfigsWithPytorchStyle() throws {
        for file in ["mmdet_v1d_cfg.pth", "mmdet2_v1d_config.pth"] {
            let result = try verify(file, expect: "mmdet_pytorch.safetensors", ["--json"])
            XCTAssertEqual(result.status, 0, file + result.stdout + result.stderr)
            let object = try json(result)
            XCTAssertEqual((object["semantics_provenance"] as? [String: String])?["stride_in_1x1"], "file", file)
            XCTAssertEqual((object["checkpoint_config"] as? [String: Any])?["origin"] as? String,
                           file.hasPrefix("mmdet2") ? "meta.config" : "meta.cfg", file)
        }
    }

    /// A Detectron pickle whose cfg says STRIDE_1X1: False (the table assumes MSRA's True) and
    /// ROI_XFORM_SAMPLING_RATIO: 0.
    func testDetectronCfgStride() throws {
        let result = try verify("detectron_stride3x3.pkl", expect: "detectron_expected.npz",
                                input: "configs/detectron_input.npy", ["--json"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let object = try json(result)
        let provenance = try XCTUnwrap(object["semantics_provenance"] as? [String: String])
        XCTAssertEqual(provenance["stride_in_1x1"], "file")
        XCTAssertEqual(provenance["heads.box"], "file")
        XCTAssertEqual(provenance["heads.level_rule"], "table")
        let settings = try XCTUnwrap((object["checkpoint_config"] as? [String: Any])?["settings"] as? [String: String])
        XCTAssertEqual(settings["RESNETS.STRIDE_1X1"], "False")
        XCTAssertEqual(settings["FAST_RCNN.ROI_XFORM_SAMPLING_RATIO"], "0")
        // Overriding the file's stride with an option brings back the failure at res3.
        let forced = try verify("detectron_stride3x3.pkl", expect: "detectron_expected.npz",
                                input: "configs/detectron_input.npy", ["--stride-in-1x1", "true"])
        XCTAssertEqual(forced.status, 1, forced.stdout)
        XCTAssertTrue(forced.stdout.contains("first divergence: res3"), forced.stdout)
    }

    /// A config that cannot be read is one error line naming the config line; a style written as a
    /// variable names the setting and the option that gives it.
    func testUnreadableConfigsAreOneErrorLine() throws {
        let malformed = try verify("mmdet_malformed_cfg.pth", expect: "mmdet_pytorch.safetensors")
        XCTAssertEqual(malformed.status, 1)
        XCTAssertEqual(malformed.stderr, "weightport: \(Fixtures.path("configs/mmdet_malformed_cfg.pth")): the checkpoint's config is not valid Python: '(' opened on line 2 is never closed (config line 2)\n")
        let opaque = try verify("mmdet_opaque_style.pth", expect: "mmdet_pytorch.safetensors")
        XCTAssertEqual(opaque.status, 1)
        XCTAssertTrue(opaque.stderr.contains("sets model.backbone.style to 'STYLE', an expression WeightPort does not evaluate (pass --stride-in-1x1 true|false)"), opaque.stderr)
        XCTAssertEqual(opaque.stderr.split(separator: "\n").count, 1, opaque.stderr)
    }

    /// `convert` says where the semantics came from too, and warns with the file's stride.
    func testConvertReportsProvenance() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wp-config-\(UUID().uuidString).pth").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try CLIRunner.run(["convert", Fixtures.path("configs/mmdet_v1d_caffe.pth"), "--output", out, "--to", "mmdet", "--json"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let object = try json(result)
        XCTAssertEqual((object["semantics_provenance"] as? [String: String])?["stride_in_1x1"], "file")
        let warnings = (object["warnings"] as? [String]) ?? []
        XCTAssertTrue(warnings.contains { $0.hasPrefix("stride placement: these weights were trained with the stride on the first 1x1") }, "\(warnings)")
    }
}
