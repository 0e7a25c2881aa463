import Foundation
import WeightPort
import WeightPortMapping
import WeightPortModels
import WeightPortTestSupport
import XCTest

/// `convert`'s target settings for a C4 mask branch: its res5 dilation (`heads.mask_dilation`,
/// Detectron `MRCNN.DILATION`) and its own RoI pooler (`heads.c4_mask`).
final class C4MaskTargetSettingsTests: XCTestCase {
    struct Report {
        let settings: [[String: Any]]
        let inexpressible: [String]
        let unstated: [String]

        func setting(_ key: String) -> [String: Any]? { settings.first { $0["key"] as? String == key } }
        var dilationLines: [String] { inexpressible.filter { $0.hasPrefix(SettingName.maskDilation.title) } }
    }

    /// `convert --json` of `source` to `target`, with `extra` options; it must write the file.
    func convert(_ source: String, to target: String, _ extra: [String] = []) throws -> Report {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wp-c4-mask-\(UUID().uuidString).pkl").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try CLIRunner.run(["convert", source, "-o", out, "--to", target, "--json"] + extra)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
        return Report(settings: object["target_settings"] as? [[String: Any]] ?? [],
                      inexpressible: object["inexpressible"] as? [String] ?? [],
                      unstated: object["settings_unstated"] as? [String] ?? [])
    }

    /// The v0up fixture whose cfg leaves MRCNN.DILATION at Detectron's default 2: neither
    /// maskrcnn-benchmark (RES5_DILATION dilates the box head's res5 too; ROI_MASK_HEAD.DILATION
    /// only the FPN mask convs) nor detectron2 (Res5ROIHeads' res5 has no dilation) can express
    /// it. The branch's own res5 copy has no name in either, so it is dropped on purpose.
    func testDefaultDilationIsInexpressibleInMaskRCNNBenchmarkAndDetectron2() throws {
        let drop = ["--drop", "roi_heads.mask_head.res5.*"]
        let dilated = Fixtures.path("heads/detectron_c4_v0up/model_final_default_dilation.pkl")
        let benchmark = try convert(dilated, to: "maskrcnn-benchmark", drop)
        XCTAssertEqual(benchmark.dilationLines.count, 1, "\(benchmark.inexpressible)")
        let line = try XCTUnwrap(benchmark.dilationLines.first)
        XCTAssertTrue(line.hasPrefix("C4 mask branch's res5 dilation = 2: "), line)
        XCTAssertTrue(line.contains("MODEL.RESNETS.RES5_DILATION"), line)
        XCTAssertTrue(line.contains("MODEL.ROI_MASK_HEAD.DILATION dilates only the FPN mask head's convs"), line)
        XCTAssertFalse(benchmark.settings.contains { ($0["key"] as? String ?? "").contains("DILATION") }, "\(benchmark.settings)")

        let d2 = try convert(dilated, to: "detectron2", drop)
        XCTAssertEqual(d2.dilationLines.count, 1, "\(d2.inexpressible)")
        XCTAssertTrue(d2.dilationLines[0].hasPrefix("C4 mask branch's res5 dilation = 2: Res5ROIHeads"), d2.dilationLines[0])
        XCTAssertFalse(d2.settings.contains { ($0["key"] as? String ?? "").contains("DILATION") }, "\(d2.settings)")
        XCTAssertFalse(d2.unstated.contains(SettingName.maskDilation.title))

        // The same weights with the cfg's MRCNN.DILATION: 1 compute what both targets compute.
        let plain = Fixtures.path("heads/detectron_c4_v0up/model_final.pkl")
        for target in ["maskrcnn-benchmark", "detectron2"] {
            let report = try convert(plain, to: target, drop)
            XCTAssertTrue(report.dilationLines.isEmpty, "\(target): \(report.inexpressible)")
            XCTAssertFalse(report.unstated.contains(SettingName.maskDilation.title), target)
        }
    }

    /// mmdetection's C4 mask branch runs the box head's shared_head (roi_head.shared_head.layer4),
    /// so a dilated Detectron mask branch is inexpressible there, now that the conversion itself
    /// succeeds; v0up's own res5 copy has no mmdet name (the conversion says so unless dropped).
    func testDefaultDilationIsInexpressibleInMMDet() throws {
        let drop = ["--drop", "roi_heads.mask_head.res5.*"]
        let dilated = Fixtures.path("heads/detectron_c4_v0up/model_final_default_dilation.pkl")
        let mmdet = try convert(dilated, to: "mmdet", drop)
        XCTAssertEqual(mmdet.dilationLines, ["C4 mask branch's res5 dilation = 2: the C4 mask branch runs roi_head.shared_head, the box head's own ResLayer module (StandardRoIHead._mask_forward), so its dilation dilates the box head's res5 as well"])
        XCTAssertFalse(mmdet.settings.contains { ($0["key"] as? String ?? "").contains("dilation") }, "\(mmdet.settings)")
        XCTAssertEqual(mmdet.setting("model.roi_head.bbox_roi_extractor.roi_layer.output_size")?["value"] as? String, "14")
        XCTAssertEqual(mmdet.setting("model.backbone.style")?["value"] as? String, "'caffe'")

        let plain = try convert(Fixtures.path("heads/detectron_c4_v0up/model_final.pkl"), to: "mmdet", drop)
        XCTAssertTrue(plain.dilationLines.isEmpty, "\(plain.inexpressible)")
        XCTAssertFalse(plain.unstated.contains(SettingName.maskDilation.title))

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wp-c4-mmdet-\(UUID().uuidString).pth").path
        let refused = try CLIRunner.run(["convert", dilated, "-o", out, "--to", "mmdet"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("mmdet has no C4 mask branch with its own res5 (Detectron v0up): 20 tensors have no name in the target (e.g. roi_heads.mask_head.res5.0.conv1.weight)"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// Into Detectron, whose MRCNN.DILATION defaults to 2, an undilated C4 mask branch (a
    /// detectron2 R-50-C4 Mask R-CNN, made from the v0upshare fixture) must say `MRCNN.DILATION: 1`.
    func testDetectronTargetIsToldTheUndilatedMaskBranch() throws {
        let d2 = FileManager.default.temporaryDirectory.appendingPathComponent("wp-c4-d2-\(UUID().uuidString).pkl").path
        defer { try? FileManager.default.removeItem(atPath: d2) }
        let made = try CLIRunner.run(["convert", Fixtures.path("heads/detectron_c4/model_final.pkl"), "-o", d2, "--to", "detectron2"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let report = try convert(d2, to: "detectron")
        let dilation = try XCTUnwrap(report.setting("MRCNN.DILATION"), "\(report.settings)")
        XCTAssertEqual(dilation["value"] as? String, "1")
        XCTAssertEqual(dilation["target_default"] as? String, "2")
        XCTAssertEqual(dilation["changes_default"] as? Bool, true)
        XCTAssertEqual(dilation["why"] as? String, "the source's C4 mask branch runs res5 undilated (stride 2 in its first block)")
        XCTAssertEqual(report.setting("MRCNN.ROI_XFORM_RESOLUTION")?["value"] as? String, "14")
        XCTAssertTrue(report.dilationLines.isEmpty, "\(report.inexpressible)")
    }

    /// A source whose C4 mask branch pools unlike its box head (`heads.c4_mask`): Detectron gets
    /// each head's own keys; targets whose mask branch reuses the box head's pooler cannot express it.
    func testMaskPoolerOfItsOwn() throws {
        let catalog = try ConventionFixtures.catalog
        var spec = try ArchitectureSpec(name: "R-50-C4")
        spec.heads = HeadsSpec(rpn: .init(channels: 1024, anchors: 15), boxPredictor: .init(inFeatures: 2048, classes: 81, boxRows: 324),
                               mask: .init(inChannels: 2048, convs: 0, dim: 256, classes: 81))
        var source = try catalog.table("detectron").semantics
        source.heads?.c4 = HeadSemantics.Pooler(resolution: 14, samplingRatio: 2)
        source.heads?.c4Mask = HeadSemantics.Pooler(resolution: 14, samplingRatio: 0)
        source.heads?.maskDilation = 1
        // Named as another convention: into its own convention a source needs no settings.
        let detectron = TargetSettings(source: source, sourceConvention: "detectron.pytorch", spec: spec, target: try catalog.table("detectron"))
        func value(_ s: TargetSettings, _ key: String) -> String? { s.settings.first { $0.key == key }?.value }
        XCTAssertEqual(value(detectron, "FAST_RCNN.ROI_XFORM_SAMPLING_RATIO"), "2")
        XCTAssertEqual(value(detectron, "MRCNN.ROI_XFORM_SAMPLING_RATIO"), "0")
        XCTAssertEqual(value(detectron, "MRCNN.DILATION"), "1")
        for target in ["detectron2", "maskrcnn-benchmark", "mmdet"] {
            let s = TargetSettings(source: source, sourceConvention: "detectron", spec: spec, target: try catalog.table(target))
            let line = s.inexpressible.first { $0.hasPrefix("C4 mask RoIAlign sampling ratio 0, output size 14: ") }
            XCTAssertNotNil(line, "\(target): \(s.inexpressible)")
            XCTAssertTrue(line?.contains("(sampling ratio 2, output size 14 in the source)") == true, line ?? "")
            XCTAssertFalse(s.inexpressible.contains { $0.hasPrefix(SettingName.maskDilation.title) }, "\(target): dilation 1 is every target's")
        }
        source.heads?.c4Mask = nil
        let shared = TargetSettings(source: source, sourceConvention: "detectron", spec: spec, target: try catalog.table("detectron2"))
        XCTAssertFalse(shared.inexpressible.contains { $0.hasPrefix("C4 mask RoIAlign") }, "\(shared.inexpressible)")
    }
}
