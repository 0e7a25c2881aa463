import WeightPortVocabulary

/// What a framework computes in its detection heads that no tensor says (HEADS.md §1–§5): the
/// RoIAlign kernel, sampling and output size per head, the FPN level rule, the keypoint
/// upsampling. Declared by each table's `heads:` section; a checkpoint's own config overrides it.
public struct HeadSemantics: Sendable, Codable, Equatable {
    public typealias Pooler = PoolerSetting

    public var roiAlign: RoIAlignVariant?
    public var box: Pooler?
    public var mask: Pooler?
    public var keypoint: Pooler?
    /// The C4 box head's RoI pooling on res4 (and the mask branch's, where it declares none of its own).
    public var c4: Pooler?
    /// The C4 mask branch's own RoI pooling on res4 (Detectron's `add_ResNet_roi_conv5_head_for_masks`
    /// pools `_[mask]_pool5` with `MRCNN.ROI_XFORM_*`, not the box head's `FAST_RCNN.ROI_XFORM_*`);
    /// nil: the box head's `c4`.
    public var c4Mask: Pooler?
    public var levelRule: LevelRule?
    /// `ROI_CANONICAL_SCALE` (224; mmdet's `finest_scale` 56 with `levelRule: mmdet`).
    public var canonicalScale: Double?
    /// `ROI_CANONICAL_LEVEL` (4).
    public var canonicalLevel: Int?
    public var keypointUpsampling: KeypointUpsampling?
    public var rpnActivation: RPNActivation?
    /// Rows of a class-agnostic `bbox_pred`: 8 (Detectron, maskrcnn-benchmark) or 4 (detectron2, mmdet).
    public var agnosticBoxRows: Int?
    /// Dilation of a C4 mask branch's res5 (Detectron `MRCNN.DILATION`, default 2; every released
    /// config sets 1): `v0up`'s own copy and `v0upshare`'s test-time recomputation of the box head's.
    public var maskDilation: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case roiAlign = "roi_align", box, mask, keypoint, c4, c4Mask = "c4_mask", levelRule = "level_rule", canonicalScale = "canonical_scale"
        case canonicalLevel = "canonical_level", keypointUpsampling = "keypoint_upsampling", rpnActivation = "rpn_activation"
        case agnosticBoxRows = "agnostic_box_rows", maskDilation = "mask_dilation"
    }

    public init() {}

    /// The pooling a C4 model's mask branch computes: its own where declared, else the box head's.
    public var c4MaskPooler: Pooler? { c4Mask ?? c4 }

    /// `other`'s values where it has them, these elsewhere (a checkpoint's config over a table's).
    public func overridden(by other: HeadSemantics) -> HeadSemantics {
        var out = self
        out.roiAlign = other.roiAlign ?? roiAlign
        out.box = other.box ?? box
        out.mask = other.mask ?? mask
        out.keypoint = other.keypoint ?? keypoint
        out.c4 = other.c4 ?? c4
        out.c4Mask = other.c4Mask ?? c4Mask
        out.levelRule = other.levelRule ?? levelRule
        out.canonicalScale = other.canonicalScale ?? canonicalScale
        out.canonicalLevel = other.canonicalLevel ?? canonicalLevel
        out.keypointUpsampling = other.keypointUpsampling ?? keypointUpsampling
        out.rpnActivation = other.rpnActivation ?? rpnActivation
        out.agnosticBoxRows = other.agnosticBoxRows ?? agnosticBoxRows
        out.maskDilation = other.maskDilation ?? maskDilation
        return out
    }
}
