import Foundation
import WeightPort
import WeightPortMapping
import WeightPortModels
import WeightPortTestSupport
import XCTest

/// `convert`'s target settings: for every pair of conventions that differ, the settings that make
/// the target compute what the source computed, and what no setting of the target can express.
final class TargetSettingsTests: XCTestCase {
    static let detection = ConventionFixtures.files.filter { $0.family == "detection" && $0.file != "maskrcnn-benchmark-module.pth" }

    func model(_ file: String) throws -> CanonicalModel {
        try CanonicalModelLoader.load(path: ConventionFixtures.file(file).path, options: .init(), catalog: try ConventionFixtures.catalog)
    }

    func settings(_ file: String, to target: String) throws -> TargetSettings {
        TargetSettings(model: try model(file), target: try ConventionFixtures.catalog.table(target))
    }

    func value(_ s: TargetSettings, _ key: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        let found = s.settings.filter { $0.key == key }
        XCTAssertLessThanOrEqual(found.count, 1, "\(key) set twice", file: file, line: line)
        return found.first?.value
    }

    /// Every ordered pair of the fixtures' conventions whose target table declares settings.
    func testEveryPairThatDiffersGetsSettings() throws {
        let catalog = try ConventionFixtures.catalog
        var pairs = 0
        for source in Self.detection {
            let model = try model(source.file)
            for table in catalog.tables where table.settings != nil {
                let s = TargetSettings(model: model, target: table)
                let label = "\(source.convention) → \(table.convention)"
                guard source.convention != table.convention else {
                    XCTAssertTrue(s.isEmpty, "\(label): a pure format change needs no settings, got \(s.settings)")
                    continue
                }
                pairs += 1
                guard let heads = model.semantics.heads else {
                    // The hub's own names declare no semantics: say what could not be worked out.
                    XCTAssertFalse(s.unstated.isEmpty, label)
                    continue
                }
                XCTAssertFalse(s.settings.isEmpty, label)
                let entries = table.settings!.entries
                // Every keyed setting of the heads this Mask R-CNN has is given, once, unless the
                // key cannot spell the source's value (then it is said to be inexpressible).
                for name in [SettingName.boxRoIAlign, .boxSamplingRatio, .boxResolution, .maskRoIAlign, .maskSamplingRatio,
                             .maskResolution, .pixelMean, .inputChannels] {
                    guard let key = entries[name]?.key else { continue }
                    XCTAssertTrue(value(s, key) != nil || s.inexpressible.contains { $0.hasPrefix(name.title) }, "\(label): no \(key)")
                }
                XCTAssertFalse(s.settings.contains { $0.key.localizedCaseInsensitiveContains("keypoint") }, "\(label): no keypoint head")
                // A differing RoIAlign variant, sampling or level rule is either set or said to be inexpressible.
                let target = table.semantics.heads!
                func covered(_ name: SettingName) -> Bool {
                    let key = entries[name]?.key
                    return s.settings.contains { $0.key == key } || s.inexpressible.contains { $0.hasPrefix(name.title) }
                }
                if heads.roiAlign != target.roiAlign { XCTAssertTrue(covered(.boxRoIAlign) && covered(.maskRoIAlign), "\(label): \(s)") }
                if heads.box?.samplingRatio != target.box?.samplingRatio { XCTAssertTrue(covered(.boxSamplingRatio), "\(label): \(s)") }
                if heads.levelRule != target.levelRule { XCTAssertTrue(covered(.levelRule), "\(label): \(s)") }
                for text in s.inexpressible { XCTAssertFalse(text.isEmpty, label) }
            }
        }
        XCTAssertGreaterThanOrEqual(pairs, 30)
    }

    func testDetectronToDetectron2() throws {
        let model = try model("detectron.pkl")
        let s = TargetSettings(model: model, target: try ConventionFixtures.catalog.table("detectron2"))
        let classes = try XCTUnwrap(model.spec.heads.boxPredictor?.classes)
        let expected: [String: String] = [
            "MODEL.RESNETS.STRIDE_IN_1X1": model.spec.strideIn1x1 ? "True" : "False",
            "INPUT.FORMAT": "BGR",
            "MODEL.PIXEL_MEAN": "[102.9801, 115.9465, 122.7717]",
            "MODEL.PIXEL_STD": "[1, 1, 1]",
            "MODEL.RESNETS.NORM": "FrozenBN",
            "MODEL.ROI_BOX_HEAD.POOLER_TYPE": "ROIAlign",
            "MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO": "2",
            "MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION": "7",
            "MODEL.ROI_HEADS.NUM_CLASSES": String(classes - 1),
            "MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG": "False",
            "MODEL.ROI_MASK_HEAD.POOLER_TYPE": "ROIAlign",
            "MODEL.ROI_MASK_HEAD.POOLER_SAMPLING_RATIO": "2",
            "MODEL.ROI_MASK_HEAD.POOLER_RESOLUTION": "14",
            "MODEL.ROI_MASK_HEAD.CLS_AGNOSTIC_MASK": "False",
        ]
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: s.settings.map { ($0.key, $0.value) }), expected)
        // detectron2's defaults are ROIAlignV2 and adaptive sampling: these must change.
        for key in ["MODEL.ROI_BOX_HEAD.POOLER_TYPE", "MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO", "MODEL.ROI_MASK_HEAD.POOLER_TYPE"] {
            XCTAssertEqual(s.settings.first { $0.key == key }?.changesDefault, true, key)
        }
        XCTAssertEqual(s.settings.first { $0.key == "MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION" }?.changesDefault, false)
        XCTAssertEqual(s.inexpressible.count, 1, "\(s.inexpressible)")
        XCTAssertTrue(s.inexpressible[0].hasPrefix("FPN level rule = detectron: ") && s.inexpressible[0].contains("+1 area"), s.inexpressible[0])
    }

    func testDetectronToMMDet() throws {
        let s = try settings("detectron.pkl", to: "mmdet")
        // mmdet's roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2, aligned=False), as --cfg-options paths.
        XCTAssertEqual(value(s, "model.roi_head.bbox_roi_extractor.roi_layer.aligned"), "False")
        XCTAssertEqual(value(s, "model.roi_head.bbox_roi_extractor.roi_layer.sampling_ratio"), "2")
        XCTAssertEqual(value(s, "model.roi_head.bbox_roi_extractor.roi_layer.output_size"), "7")
        XCTAssertEqual(value(s, "model.roi_head.mask_roi_extractor.roi_layer.aligned"), "False")
        XCTAssertEqual(value(s, "model.roi_head.mask_roi_extractor.roi_layer.sampling_ratio"), "2")
        XCTAssertEqual(value(s, "model.roi_head.mask_roi_extractor.roi_layer.output_size"), "14")
        // Detectron's 224 at level 4 is mmdet's finest_scale 56 at P2, for both extractors.
        XCTAssertEqual(value(s, "model.roi_head.bbox_roi_extractor.finest_scale"), "56")
        XCTAssertEqual(value(s, "model.roi_head.mask_roi_extractor.finest_scale"), "56")
        XCTAssertEqual(value(s, "model.data_preprocessor.bgr_to_rgb"), "False")
        XCTAssertEqual(value(s, "model.data_preprocessor.mean"), "[102.9801, 115.9465, 122.7717]")
        XCTAssertTrue(s.inexpressible.contains { $0.hasPrefix("FPN level rule = detectron") }, "\(s.inexpressible)")
    }

    func testTorchvisionToDetectron2RescalesPixelsToTheTargetsScale() throws {
        let s = try settings("torchvision.pth", to: "detectron2")
        XCTAssertEqual(value(s, "INPUT.FORMAT"), "RGB")
        XCTAssertEqual(value(s, "MODEL.PIXEL_MEAN"), "[123.675, 116.28, 103.53]")
        XCTAssertEqual(value(s, "MODEL.PIXEL_STD"), "[58.395, 57.12, 57.375]")
        XCTAssertEqual(value(s, "MODEL.ROI_BOX_HEAD.POOLER_TYPE"), "ROIAlign")
        // torchvision → Detectron: neither RGB nor a std has a Detectron setting.
        let d = try settings("torchvision.pth", to: "detectron")
        XCTAssertTrue(d.inexpressible.contains { $0.hasPrefix("input channel order = RGB") }, "\(d.inexpressible)")
        XCTAssertTrue(d.inexpressible.contains { $0.hasPrefix("pixel std") }, "\(d.inexpressible)")
    }

    /// `--swap-input-channels`: the weights now expect the other order, and mean and std follow.
    func testSwappedInputChannels() throws {
        let catalog = try ConventionFixtures.catalog
        let model = try model("torchvision.pth")
        let s = TargetSettings(model: model, target: try catalog.table("detectron"), swappedInput: true)
        XCTAssertEqual(value(s, "PIXEL_MEANS"), "[[[103.53, 116.28, 123.675]]]")
        XCTAssertFalse(s.inexpressible.contains { $0.hasPrefix("input channel order") }, "\(s.inexpressible)")
        XCTAssertTrue(s.inexpressible.contains { $0.hasPrefix("pixel std = [57.375, 57.12, 58.395]") }, "\(s.inexpressible)")
        // Same convention, channels reversed: the source's own config no longer fits.
        let same = TargetSettings(model: model, target: try catalog.table("torchvision"), swappedInput: true)
        XCTAssertTrue(same.inexpressible.contains { $0.hasPrefix("input channel order = BGR") }, "\(same.inexpressible)")
        XCTAssertEqual(value(same, "image_mean"), "[0.406, 0.456, 0.485]")
    }

    func testDetectron2ToTorchvisionCannotExpressAlignedRoIAlign() throws {
        let s = try settings("detectron2.pkl", to: "torchvision")
        XCTAssertTrue(s.inexpressible.contains { $0.hasPrefix("box RoIAlign variant = aligned") && $0.contains("no aligned parameter") }, "\(s.inexpressible)")
        XCTAssertEqual(value(s, "roi_heads.box_roi_pool.sampling_ratio"), "0")
        XCTAssertEqual(value(s, "roi_heads.box_roi_pool.output_size"), "(7, 7)")
        XCTAssertTrue(s.inexpressible.contains { $0.hasPrefix("input channel order = BGR") }, "\(s.inexpressible)")
    }

    /// A Keypoint R-CNN from Detectron into torchvision: the fixed keypoint deconv and the +1
    /// level rule have no torchvision setting; the keypoint pooler's have.
    func testDetectronKeypointToTorchvision() throws {
        let catalog = try ConventionFixtures.catalog
        let detectron = try catalog.table("detectron")
        var spec = ArchitectureSpec(depth: 50, block: .bottleneck, blocksPerStage: [3, 4, 6, 3])
        spec.body = .fpn
        spec.fpn = FeaturePyramidSpec(channels: 256)
        spec.heads = HeadsSpec(rpn: .init(channels: 256, anchors: 3), box: .init(inChannels: 256, resolution: 7),
                               boxPredictor: .init(inFeatures: 1024, classes: 3, boxRows: 8),
                               keypoint: .init(inChannels: 256, convs: 8, dim: 512, keypoints: 17))
        let s = TargetSettings(source: detectron.semantics, sourceConvention: "detectron", spec: spec,
                               target: try catalog.table("torchvision"))
        XCTAssertTrue(s.inexpressible.contains { $0.hasPrefix("keypoint heatmap upsampling = detectron_deconv") }, "\(s.inexpressible)")
        XCTAssertTrue(s.inexpressible.contains { $0.hasPrefix("FPN level rule = detectron") }, "\(s.inexpressible)")
        XCTAssertTrue(s.inexpressible.contains { $0.hasPrefix("class-agnostic box regression = true") }, "\(s.inexpressible)")
        XCTAssertEqual(value(s, "roi_heads.keypoint_roi_pool.sampling_ratio"), "2")
        XCTAssertEqual(value(s, "roi_heads.keypoint_roi_pool.output_size"), "(14, 14)")
        XCTAssertEqual(value(s, "num_keypoints"), "17")
        XCTAssertEqual(value(s, "num_classes"), "3")
        XCTAssertEqual(value(s, "roi_heads.keypoint_roi_pool.canonical_scale"), "224")
        XCTAssertNil(value(s, "roi_heads.mask_roi_pool.sampling_ratio"), "no mask head, no mask settings")
        // The same model into mmdet: no keypoint head at all, said once.
        let m = TargetSettings(source: detectron.semantics, sourceConvention: "detectron", spec: spec, target: try catalog.table("mmdet"))
        XCTAssertEqual(m.inexpressible.filter { $0.hasPrefix("keypoint") }.count, 1, "\(m.inexpressible)")
        XCTAssertFalse(m.settings.contains { $0.key.contains("keypoint") })
    }

    /// C4: box and mask pool res4 by `heads.c4`; where the mask head reuses the box head's pooled
    /// features (detectron2's Res5ROIHeads, mmdet's shared extractor) it gets no pooler keys,
    /// while Detectron's test-time mask res5 pools with MRCNN.* of its own.
    func testC4MaskSharesTheBoxPoolerWhereTheTargetSaysSo() throws {
        let catalog = try ConventionFixtures.catalog
        var spec = try ArchitectureSpec(name: "R-50-C4")
        spec.heads = HeadsSpec(rpn: .init(channels: 1024, anchors: 15), boxPredictor: .init(inFeatures: 2048, classes: 81, boxRows: 324),
                               mask: .init(inChannels: 2048, convs: 0, dim: 256, classes: 81))
        let source = try catalog.table("detectron").semantics
        let d2 = TargetSettings(source: source, sourceConvention: "detectron", spec: spec, target: try catalog.table("detectron2"))
        XCTAssertEqual(value(d2, "MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION"), "14")
        XCTAssertEqual(value(d2, "MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO"), "0")
        XCTAssertEqual(value(d2, "MODEL.ROI_BOX_HEAD.POOLER_TYPE"), "ROIAlign")
        XCTAssertEqual(value(d2, "MODEL.ROI_HEADS.NUM_CLASSES"), "80")
        XCTAssertFalse(d2.settings.contains { $0.key.hasPrefix("MODEL.ROI_MASK_HEAD.POOLER") }, "\(d2.settings)")
        XCTAssertFalse(d2.inexpressible.contains { $0.hasPrefix("FPN") }, "no level rule without an FPN")
        let mmdet = TargetSettings(source: source, sourceConvention: "detectron", spec: spec, target: try catalog.table("mmdet"))
        XCTAssertFalse(mmdet.settings.contains { $0.key.contains("mask_roi_extractor") }, "\(mmdet.settings)")
        let back = TargetSettings(source: try catalog.table("detectron2").semantics, sourceConvention: "detectron2", spec: spec,
                                  target: try catalog.table("detectron"))
        XCTAssertEqual(value(back, "MRCNN.ROI_XFORM_RESOLUTION"), "14")
        XCTAssertTrue(back.inexpressible.contains { $0.hasPrefix("mask RoIAlign variant = aligned") }, "\(back.inexpressible)")
    }

    /// A Caffe-converted backbone keeps Caffe's ceil-mode pool1: no framework has a setting for it.
    func testCaffePool1IsInexpressible() throws {
        let catalog = try ConventionFixtures.catalog
        var spec = ArchitectureSpec(depth: 50, block: .bottleneck, blocksPerStage: [3, 4, 6, 3])
        spec.stemPool = .caffe
        let s = TargetSettings(source: try catalog.table("caffe").semantics, sourceConvention: "caffe", spec: spec,
                               target: try catalog.table("detectron2"))
        XCTAssertTrue(s.inexpressible.contains { $0.hasPrefix("stem max-pool rounding = caffe") }, "\(s.inexpressible)")
        XCTAssertEqual(value(s, "MODEL.PIXEL_MEAN"), "[103.939, 116.779, 123.68]")
    }

    func testConvertJSONCarriesSettingsAndInexpressible() throws {
        let dir = try ConventionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("d2.pkl").path
        let result = try CLIRunner.run(["convert", ConventionFixtures.file("detectron.pkl").path, "-o", out, "--to", "detectron2", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let settings = try XCTUnwrap(object["target_settings"] as? [[String: Any]])
        let pooler = try XCTUnwrap(settings.first { $0["key"] as? String == "MODEL.ROI_BOX_HEAD.POOLER_TYPE" })
        XCTAssertEqual(pooler["value"] as? String, "ROIAlign")
        XCTAssertFalse((pooler["why"] as? String ?? "").isEmpty)
        let inexpressible = try XCTUnwrap(object["inexpressible"] as? [String])
        XCTAssertTrue(inexpressible.contains { $0.hasPrefix("FPN level rule") })

        let text = try CLIRunner.run(["convert", ConventionFixtures.file("detectron.pkl").path, "-o", out, "--to", "detectron2", "--force"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("target settings for detectron2"), text.stdout)
        XCTAssertTrue(text.stdout.contains("* MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO"), text.stdout)
        XCTAssertTrue(text.stdout.contains("cannot be expressed in detectron2 (1):"), text.stdout)

        // A pure format change: the keys are there, empty.
        let same = try CLIRunner.run(["convert", ConventionFixtures.file("detectron.pkl").path, "-o", dir.appendingPathComponent("same.pkl").path, "--json"])
        XCTAssertEqual(same.status, 0, same.stderr)
        let plain = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((plain["target_settings"] as? [Any])?.count, 0)
        XCTAssertEqual((plain["inexpressible"] as? [Any])?.count, 0)
    }
}
