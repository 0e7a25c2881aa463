import WeightPortVocabulary

/// The semantics a table's `settings:` section can say how to set (issue #10, "Converting heads
/// between frameworks"): each is something the source computed that a target framework must be
/// told, because no tensor carries it. Head-scoped names (`box.`, `mask.`, `keypoint.`) matter
/// only for models with that head; C4 models take their box pooling from `heads.c4` and their mask
/// branch's from `heads.c4_mask` (else `heads.c4`), and `mask.dilation` applies to C4 mask branches only.
public enum SettingName: String, VocabularyTerm {
    // Backbone and input
    case strideIn1x1 = "stride_in_1x1"
    case pool1
    case inputChannels = "input_channels"
    case pixelMean = "pixel_mean"
    case pixelStd = "pixel_std"
    case norm
    // Whole heads a framework may not have at all (only `cannot:` makes sense for these)
    case maskHead = "mask_head"
    case keypointHead = "keypoint_head"
    // Box head and predictor
    case boxRoIAlign = "box.roi_align"
    case boxSamplingRatio = "box.sampling_ratio"
    case boxResolution = "box.resolution"
    case boxNumClasses = "box.num_classes"
    case boxClassAgnostic = "box.class_agnostic"
    // Mask head
    case maskRoIAlign = "mask.roi_align"
    case maskSamplingRatio = "mask.sampling_ratio"
    case maskResolution = "mask.resolution"
    case maskNumClasses = "mask.num_classes"
    case maskClassAgnostic = "mask.class_agnostic"
    /// A C4 mask branch's res5 dilation (`heads.mask_dilation`, Detectron `MRCNN.DILATION`).
    case maskDilation = "mask.dilation"
    // Keypoint head
    case keypointRoIAlign = "keypoint.roi_align"
    case keypointSamplingRatio = "keypoint.sampling_ratio"
    case keypointResolution = "keypoint.resolution"
    case keypointCount = "keypoint.keypoints"
    case keypointUpsampling = "keypoint.upsampling"
    // FPN level assignment (FPN models with RoI heads only)
    case levelRule = "level_rule"
    case canonicalScale = "canonical_scale"
    case canonicalLevel = "canonical_level"
    // RPN
    case rpnActivation = "rpn_activation"

    public static let termName = "setting"

    /// What the semantic is called in reports.
    public var title: String {
        switch self {
        case .strideIn1x1: return "stride on the first 1x1"
        case .pool1: return "stem max-pool rounding"
        case .inputChannels: return "input channel order"
        case .pixelMean: return "pixel mean"
        case .pixelStd: return "pixel std"
        case .norm: return "norm layer"
        case .maskHead: return "mask head"
        case .keypointHead: return "keypoint head"
        case .boxRoIAlign, .maskRoIAlign, .keypointRoIAlign: return head + " RoIAlign variant"
        case .boxSamplingRatio, .maskSamplingRatio, .keypointSamplingRatio: return head + " RoIAlign sampling ratio"
        case .boxResolution, .maskResolution, .keypointResolution: return head + " RoIAlign output size"
        case .boxNumClasses, .maskNumClasses: return head + " classes"
        case .boxClassAgnostic: return "class-agnostic box regression"
        case .maskClassAgnostic: return "class-agnostic masks"
        case .maskDilation: return "C4 mask branch's res5 dilation"
        case .keypointCount: return "keypoints"
        case .keypointUpsampling: return "keypoint heatmap upsampling"
        case .levelRule: return "FPN level rule"
        case .canonicalScale: return "FPN canonical box size"
        case .canonicalLevel: return "FPN canonical level"
        case .rpnActivation: return "RPN objectness activation"
        }
    }

    private var head: String { rawValue.split(separator: ".").first.map(String.init) ?? rawValue }

    /// What kind of value the semantic has, which decides how a table spells it.
    public enum Kind: Sendable {
        /// `true`/`false`; the table's `values:` spells each.
        case flag
        /// A vocabulary word; the table's `values:` spells each word it can express.
        case word(allowed: [String])
        /// A number, written with the entry's `format:` (`{}` is the number).
        case number
        /// A list of numbers, written `[a, b, c]` into the entry's `format:`.
        case numbers
        /// A head's presence: only `cannot:` applies.
        case presence
    }

    public var kind: Kind {
        switch self {
        case .strideIn1x1, .boxClassAgnostic, .maskClassAgnostic: return .flag
        case .inputChannels: return .word(allowed: ChannelOrder.allCases.map(\.rawValue))
        case .pool1: return .word(allowed: PoolRounding.allCases.map(\.rawValue))
        case .norm: return .word(allowed: DeclaredNorm.allCases.map(\.rawValue))
        case .boxRoIAlign, .maskRoIAlign, .keypointRoIAlign: return .word(allowed: RoIAlignVariant.allCases.map(\.rawValue))
        case .keypointUpsampling: return .word(allowed: KeypointUpsampling.allCases.map(\.rawValue))
        case .levelRule: return .word(allowed: LevelRule.allCases.map(\.rawValue))
        case .rpnActivation: return .word(allowed: RPNActivation.allCases.map(\.rawValue))
        case .pixelMean, .pixelStd: return .numbers
        case .maskHead, .keypointHead: return .presence
        case .boxSamplingRatio, .boxResolution, .boxNumClasses, .maskSamplingRatio, .maskResolution, .maskNumClasses, .maskDilation,
             .keypointSamplingRatio, .keypointResolution, .keypointCount, .canonicalScale, .canonicalLevel:
            return .number
        }
    }
}
