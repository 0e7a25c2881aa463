import WeightPortMapping
import WeightPortVocabulary
import XCTest

/// What the Detectron and mmdetection readers take from a checkpoint's config, and how it
/// overrides a table's semantics.
final class CheckpointConfigReaderTests: XCTestCase {
    /// As Detectron's `yaml.dump(cfg)` writes it under Python 2: AttrDicts, tuples and unicode
    /// strings keep their Python tags (shortened; real dumps hold every key).
    static let detectronC4 = """
    !!python/object/new:detectron.utils.collections.AttrDict
    dictitems:
      FAST_RCNN: !!python/object/new:detectron.utils.collections.AttrDict
        dictitems: {MLP_HEAD_DIM: 1024, ROI_BOX_HEAD: !!python/unicode 'ResNet.add_ResNet_roi_conv5_head',
          ROI_XFORM_METHOD: !!python/unicode 'RoIAlign', ROI_XFORM_RESOLUTION: 14, ROI_XFORM_SAMPLING_RATIO: 0}
        state: {__immutable__: true}
      FPN: !!python/object/new:detectron.utils.collections.AttrDict
        dictitems: {FPN_ON: false, ROI_CANONICAL_SCALE: 224, ROI_MAX_LEVEL: 5}
        state: {__immutable__: true}
      KRCNN: !!python/object/new:detectron.utils.collections.AttrDict
        dictitems: {ROI_XFORM_RESOLUTION: 7, ROI_XFORM_SAMPLING_RATIO: 0, UP_SCALE: 2}
        state: {__immutable__: true}
      MODEL: !!python/object/new:detectron.utils.collections.AttrDict
        dictitems: {CLS_AGNOSTIC_BBOX_REG: true, CONV_BODY: !!python/unicode 'ResNet.add_ResNet50_conv4_body',
          KEYPOINTS_ON: false, MASK_ON: true, NUM_CLASSES: 81, BBOX_REG_WEIGHTS: !!python/tuple [10.0, 10.0, 5.0, 5.0]}
        state: {__immutable__: true}
      MRCNN: !!python/object/new:detectron.utils.collections.AttrDict
        dictitems: {RESOLUTION: 14, ROI_MASK_HEAD: !!python/unicode 'mask_rcnn_heads.mask_rcnn_fcn_head_v0upshare',
          ROI_XFORM_RESOLUTION: 14, ROI_XFORM_SAMPLING_RATIO: 0, DIM_REDUCED: 256}
        state: {__immutable__: true}
      PIXEL_MEANS:
      - - [102.9801, 115.9465, 122.7717]
      RESNETS: !!python/object/new:detectron.utils.collections.AttrDict
        dictitems: {STRIDE_1X1: true, TRANS_FUNC: !!python/unicode 'bottleneck_transformation'}
        state: {__immutable__: true}
    state: {__immutable__: true}
    """

    func testDetectronTaggedDumpReadsByShape() throws {
        let config = try DetectronConfigReader.read(Self.detectronC4, isC4: false)
        XCTAssertEqual(config.framework, "detectron")
        XCTAssertEqual(config.strideInFirst1x1, true)
        // CONV_BODY says C4, so FAST_RCNN's transform is the res4 pooler (not the FPN box one).
        XCTAssertEqual(config.heads.c4, HeadSemantics.Pooler(resolution: 14, samplingRatio: 0))
        XCTAssertNil(config.heads.box)
        XCTAssertNil(config.heads.mask, "a C4 mask head pools with the res4 pooler")
        XCTAssertNil(config.heads.keypoint, "KEYPOINTS_ON is false: KRCNN's defaults describe no head")
        XCTAssertNil(config.heads.canonicalScale, "FPN_ON is false")
        XCTAssertEqual(config.heads.roiAlign, .legacy)
        XCTAssertEqual(config.numClasses, 80)
        XCTAssertEqual(config.classAgnosticBoxes, true)
        XCTAssertEqual(config.pixelMean, [102.9801, 115.9465, 122.7717])
        XCTAssertEqual(config.norm, "AffineChannel")
        XCTAssertTrue(config.settings.contains(.init(key: "MRCNN.ROI_MASK_HEAD", value: "'mask_rcnn_heads.mask_rcnn_fcn_head_v0upshare'")))
        XCTAssertTrue(config.opaque.isEmpty)
    }

    /// `MRCNN.DILATION` dilates a C4 mask branch's res5; absent, the table's default (Detectron's 2)
    /// stays; an FPN mask head has no res5, so the key is not read there.
    func testDetectronMaskDilationIsReadForC4() throws {
        let dilated = Self.detectronC4.replacingOccurrences(of: "ROI_XFORM_SAMPLING_RATIO: 0, DIM_REDUCED: 256}",
                                                            with: "ROI_XFORM_SAMPLING_RATIO: 0, DIM_REDUCED: 256, DILATION: 1}")
        XCTAssertNotEqual(dilated, Self.detectronC4)
        let config = try DetectronConfigReader.read(dilated, isC4: true)
        XCTAssertEqual(config.heads.maskDilation, 1)
        XCTAssertTrue(HeadSemantics.statedKeys(config.heads).contains("mask_dilation"))
        var table = HeadSemantics()
        table.maskDilation = 2
        XCTAssertEqual(table.overridden(by: config.heads).maskDilation, 1, "the file's cfg wins")
        XCTAssertNil(try DetectronConfigReader.read(Self.detectronC4, isC4: true).heads.maskDilation)
        XCTAssertEqual(table.overridden(by: try DetectronConfigReader.read(Self.detectronC4, isC4: true).heads).maskDilation, 2)
        let fpn = dilated.replacingOccurrences(of: "ResNet.add_ResNet50_conv4_body", with: "FPN.add_fpn_ResNet50_conv5_body")
        XCTAssertNil(try DetectronConfigReader.read(fpn, isC4: false).heads.maskDilation)
    }

    /// A C4 mask branch pools `_[mask]_pool5` with `MRCNN.ROI_XFORM_*` (Detectron's
    /// `add_ResNet_roi_conv5_head_for_masks`): read as `heads.c4_mask`, apart from the box head's
    /// `FAST_RCNN` pooler (`heads.c4`); a cfg giving only the resolution takes the table's sampling.
    func testDetectronC4MaskPoolerIsReadApartFromTheBoxHeads() throws {
        let text = Self.detectronC4
            .replacingOccurrences(of: "ROI_XFORM_RESOLUTION: 14, ROI_XFORM_SAMPLING_RATIO: 0}", with: "ROI_XFORM_RESOLUTION: 14, ROI_XFORM_SAMPLING_RATIO: 2}")
            .replacingOccurrences(of: "ROI_XFORM_RESOLUTION: 14, ROI_XFORM_SAMPLING_RATIO: 0, DIM_REDUCED: 256}",
                                  with: "ROI_XFORM_RESOLUTION: 12, ROI_XFORM_SAMPLING_RATIO: 0, DIM_REDUCED: 256}")
        let config = try DetectronConfigReader.read(text, isC4: true)
        XCTAssertEqual(config.heads.c4, HeadSemantics.Pooler(resolution: 14, samplingRatio: 2), "FAST_RCNN: the box head")
        XCTAssertEqual(config.heads.c4Mask, HeadSemantics.Pooler(resolution: 12, samplingRatio: 0), "MRCNN: the mask branch")
        XCTAssertEqual(config.heads.c4MaskPooler, HeadSemantics.Pooler(resolution: 12, samplingRatio: 0))
        XCTAssertNil(config.heads.mask, "no FPN mask pooler in a C4 model")
        XCTAssertTrue(HeadSemantics.statedKeys(config.heads).contains("c4_mask"))

        var table = HeadSemantics()
        table.c4 = HeadSemantics.Pooler(resolution: 14, samplingRatio: 0)
        XCTAssertEqual(table.c4MaskPooler, table.c4, "no c4_mask declared: the mask branch pools as the box head")
        table.c4Mask = HeadSemantics.Pooler(resolution: 14, samplingRatio: 1)
        let onlyResolution = Self.detectronC4.replacingOccurrences(of: "ROI_XFORM_RESOLUTION: 14, ROI_XFORM_SAMPLING_RATIO: 0, DIM_REDUCED: 256}",
                                                                   with: "ROI_XFORM_RESOLUTION: 14, DIM_REDUCED: 256}")
        XCTAssertNotEqual(onlyResolution, Self.detectronC4)
        let partial = try DetectronConfigReader.read(onlyResolution, isC4: true, defaults: table)
        XCTAssertEqual(partial.heads.c4Mask, HeadSemantics.Pooler(resolution: 14, samplingRatio: 1), "the table's c4_mask sampling completes it")
        XCTAssertEqual(table.overridden(by: config.heads).c4Mask, HeadSemantics.Pooler(resolution: 12, samplingRatio: 0), "the file's cfg wins")
    }

    func testDetectronFPNKeypointConfig() throws {
        let text = """
        MODEL: {CONV_BODY: FPN.add_fpn_ResNet50_conv5_body, NUM_CLASSES: 2, KEYPOINTS_ON: True, MASK_ON: False}
        RESNETS: {STRIDE_1X1: False}
        FAST_RCNN: {ROI_XFORM_METHOD: RoIAlign, ROI_XFORM_RESOLUTION: 7, ROI_XFORM_SAMPLING_RATIO: 0}
        KRCNN: {ROI_XFORM_METHOD: RoIAlign, ROI_XFORM_RESOLUTION: 14, ROI_XFORM_SAMPLING_RATIO: 2, UP_SCALE: 2,
                USE_DECONV_OUTPUT: True, NUM_KEYPOINTS: 17}
        FPN: {FPN_ON: True, MULTILEVEL_ROIS: True, ROI_CANONICAL_SCALE: 224, ROI_CANONICAL_LEVEL: 4, ROI_MIN_LEVEL: 2, ROI_MAX_LEVEL: 5}
        """
        let config = try DetectronConfigReader.read(text, isC4: true)
        XCTAssertEqual(config.strideInFirst1x1, false)
        XCTAssertEqual(config.heads.box, HeadSemantics.Pooler(resolution: 7, samplingRatio: 0))
        XCTAssertEqual(config.heads.keypoint, HeadSemantics.Pooler(resolution: 14, samplingRatio: 2))
        XCTAssertEqual(config.heads.keypointUpsampling, .detectronDeconv)
        XCTAssertEqual(config.heads.canonicalScale, 224)
        XCTAssertEqual(config.heads.canonicalLevel, 4)
        XCTAssertEqual(config.roiLevels, 2...5)
        XCTAssertEqual(config.numClasses, 1)
    }

    func testDetectronRoIPoolIsSaidPlainly() throws {
        let config = try DetectronConfigReader.read("FAST_RCNN: {ROI_XFORM_METHOD: RoIPoolF, ROI_XFORM_RESOLUTION: 14}\n",
                                                    isC4: false, defaults: HeadSemantics.Pooler(resolution: 7, samplingRatio: 2).asBox)
        XCTAssertTrue(config.warnings.contains { $0.contains("RoIPoolF") }, "\(config.warnings)")
        XCTAssertNil(config.heads.roiAlign)
        XCTAssertEqual(config.heads.box, HeadSemantics.Pooler(resolution: 14, samplingRatio: 2), "the table's sampling completes the head")
    }

    func testMalformedYAMLNamesItsLine() {
        XCTAssertThrowsError(try DetectronConfigReader.read("MODEL:\n  NUM_CLASSES: [81\nRESNETS: {}\n", isC4: false)) { error in
            guard case .malformed(let language, _, let line)? = error as? ConfigTextError else { return XCTFail("\(error)") }
            XCTAssertEqual(language, "YAML")
            XCTAssertGreaterThan(line, 0)
        }
    }

    func testMmdetV1dPytorchDefaultsAndHeads() throws {
        let text = """
        model = dict(
            type='MaskRCNN',
            data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                   std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
            backbone=dict(type='ResNetV1d', depth=50, norm_cfg=dict(type='SyncBN', requires_grad=True), norm_eval=False,
                          dcn=dict(type='DCNv2', deform_groups=1, fallback_on_stride=False),
                          stage_with_dcn=(False, True, True, True)),
            roi_head=dict(
                type='StandardRoIHead',
                bbox_roi_extractor=dict(type='SingleRoIExtractor',
                    roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0), out_channels=256,
                    featmap_strides=[4, 8, 16, 32]),
                bbox_head=dict(type='Shared2FCBBoxHead', num_classes=3, reg_class_agnostic=True),
                mask_roi_extractor=dict(type='SingleRoIExtractor',
                    roi_layer=dict(type='RoIAlign', output_size=(14, 14), sampling_ratio=2, aligned=True),
                    out_channels=256, featmap_strides=[4, 8, 16, 32], finest_scale=112),
                mask_head=dict(type='FCNMaskHead', num_classes=3)))
        """
        let config = try MMDetConfigReader.read(text, origin: "meta.cfg")
        XCTAssertEqual(config.backboneType, "ResNetV1d")
        XCTAssertEqual(config.strideInFirst1x1, false, "no style: mmdetection's default 'pytorch'")
        XCTAssertEqual(config.deepStem, true)
        XCTAssertEqual(config.avgDown, true)
        XCTAssertEqual(config.dcnStages, [false, true, true, true])
        XCTAssertEqual(config.norm, "SyncBN")
        XCTAssertEqual(config.normEval, false)
        XCTAssertEqual(config.heads.box, HeadSemantics.Pooler(resolution: 7, samplingRatio: 0))
        XCTAssertEqual(config.heads.mask, HeadSemantics.Pooler(resolution: 14, samplingRatio: 2))
        XCTAssertEqual(config.heads.roiAlign, .aligned, "mmcv RoIAlign's default aligned=True")
        XCTAssertEqual(config.heads.levelRule, .mmdet)
        XCTAssertEqual(config.heads.canonicalScale, 112)
        XCTAssertEqual(config.numClasses, 3)
        XCTAssertEqual(config.classAgnosticBoxes, true)
        XCTAssertEqual(config.inputChannels, .rgb)
        XCTAssertEqual(config.pixelMean, [123.675, 116.28, 103.53])
        XCTAssertEqual(config.pixelStd, [58.395, 57.12, 57.375])
        XCTAssertEqual(config.pixelScale, 255)
    }

    func testMmdetCaffeStyleC4AndLegacyRoIAlign() throws {
        let text = """
        img_norm_cfg = dict(mean=[103.53, 116.28, 123.675], std=[1.0, 1.0, 1.0], to_rgb=False)
        model = dict(
            backbone=dict(type='ResNet', depth=50, num_stages=3, style='caffe', deep_stem=True),
            roi_head=dict(
                shared_head=dict(type='ResLayer', depth=50, stage=3, stride=2, style='caffe'),
                bbox_roi_extractor=dict(type='SingleRoIExtractor',
                    roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0, aligned=False),
                    out_channels=1024, featmap_strides=[16]),
                mask_roi_extractor=None))
        """
        let config = try MMDetConfigReader.read(text, origin: "meta.config")
        XCTAssertEqual(config.strideInFirst1x1, true)
        XCTAssertEqual(config.deepStem, true, "ResNet(deep_stem=True) is V1c's stem")
        XCTAssertEqual(config.avgDown, false)
        XCTAssertEqual(config.heads.c4, HeadSemantics.Pooler(resolution: 14, samplingRatio: 0))
        XCTAssertNil(config.heads.box)
        XCTAssertEqual(config.heads.roiAlign, .legacy)
        XCTAssertEqual(config.heads.canonicalScale, 56, "finest_scale's default")
        XCTAssertEqual(config.inputChannels, .bgr)
        XCTAssertEqual(config.pixelMean, [103.53, 116.28, 123.675])
    }

    /// A needed setting written as an expression is listed, not guessed; new-style configs'
    /// `type=ResNetV1d` (the imported class) is read as the class name.
    func testMmdetOpaqueStyleIsListed() throws {
        let config = try MMDetConfigReader.read("s = 'caffe'\nmodel = dict(backbone=dict(type=ResNetV1d, style=s))\n", origin: "meta.cfg")
        XCTAssertEqual(config.backboneType, "ResNetV1d")
        XCTAssertNil(config.strideInFirst1x1)
        XCTAssertEqual(config.opaque, [.init(key: "model.backbone.style", value: "s")])
    }

    func testConfigValuesOverrideTheTable() throws {
        var table = ConventionSemantics()
        table.strideInFirst1x1 = false
        table.pool1 = .pytorch
        var heads = HeadSemantics()
        heads.box = .init(resolution: 7, samplingRatio: 2)
        heads.roiAlign = .legacy
        heads.levelRule = .detectron
        table.heads = heads
        let config = try DetectronConfigReader.read("RESNETS: {STRIDE_1X1: True}\nFAST_RCNN: {ROI_XFORM_SAMPLING_RATIO: 0}\n",
                                                    isC4: false, defaults: heads)
        let applied = config.applied(to: table)
        XCTAssertEqual(applied.strideInFirst1x1, true)
        XCTAssertEqual(applied.pool1, .pytorch)
        XCTAssertEqual(applied.heads?.box, HeadSemantics.Pooler(resolution: 7, samplingRatio: 0))
        XCTAssertEqual(applied.heads?.levelRule, .detectron)
        XCTAssertEqual(config.statedKeys, ["stride_in_1x1", "heads.box"])
    }
}

private extension HeadSemantics.Pooler {
    var asBox: HeadSemantics {
        var heads = HeadSemantics()
        heads.box = self
        return heads
    }
}
