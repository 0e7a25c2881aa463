import WeightPortVocabulary

/// What a checkpoint's own training config says about the computation no tensor shows.
///
/// Read from Detectron's `cfg` YAML or mmdetection's saved Python config; every field is nil
/// where the config does not say it. Its values beat the table's defaults (a checkpoint trained
/// with `style='caffe'` computes with the stride on the 1×1 whatever its framework's default),
/// and options beat both.
public struct CheckpointConfig: Sendable, Equatable {
    /// One setting as the config writes it (`model.backbone.style` = `'caffe'`).
    public struct Setting: Sendable, Equatable {
        public let key: String
        public let value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Where the text was found: `cfg` (Detectron pickle), `meta.cfg` (mmengine), `meta.config` (mmdet 2.x).
    public var origin: String
    /// Whose config language it is: `detectron` or `mmdet`.
    public var framework: String

    /// `model.backbone.type` (`ResNet`, `ResNetV1c`, `ResNetV1d`), or Detectron's `MODEL.CONV_BODY`.
    public var backboneType: String?
    /// Stride 2 on a block's first 1×1 (`STRIDE_1X1: True`, `style='caffe'`) rather than its 3×3.
    public var strideInFirst1x1: Bool?
    /// Three 3×3 convs for the stem (ResNetV1c/V1d, `deep_stem=True`).
    public var deepStem: Bool?
    /// Average-pool before projection shortcuts (ResNetV1d, `avg_down=True`).
    public var avgDown: Bool?
    /// Per stage res2…res5, whether its blocks are deformable (`stage_with_dcn` with `dcn` set);
    /// recorded only: deformable convolution is computed elsewhere.
    public var dcnStages: [Bool]?
    /// The norm layer's type as the config names it (`BN`, `SyncBN`, `GN`; Detectron's `TRANS_FUNC`).
    public var norm: String?
    public var normEps: Double?
    /// `norm_eval`: statistics frozen in training (no effect at inference; recorded).
    public var normEval: Bool?
    public var inputChannels: ChannelOrder?
    public var pixelScale: Double?
    public var pixelMean: [Double]?
    public var pixelStd: [Double]?
    /// The head settings the config states, to override the table's with.
    public var heads = HeadSemantics()
    /// Object classes without background (`MODEL.NUM_CLASSES` − 1 for Detectron, `num_classes` for mmdet).
    public var numClasses: Int?
    public var classAgnosticBoxes: Bool?
    /// FPN levels RoIs are pooled from (Detectron `FPN.ROI_MIN_LEVEL…ROI_MAX_LEVEL`).
    public var roiLevels: ClosedRange<Int>?
    /// Every setting read, in reading order, for reports.
    public var settings: [Setting] = []
    /// Settings that decide the computation but are written as expressions WeightPort does not
    /// evaluate: the loader fails on them unless an option gives the value.
    public var opaque: [Setting] = []
    /// Settings read but not computable here (e.g. `RoIPoolF`), said plainly.
    public var warnings: [String] = []

    public init(origin: String, framework: String) {
        self.origin = origin
        self.framework = framework
    }

    /// `table` with every value this config states put over it.
    public func applied(to table: ConventionSemantics) -> ConventionSemantics {
        var out = table
        out.strideInFirst1x1 = strideInFirst1x1 ?? table.strideInFirst1x1
        out.inputChannels = inputChannels ?? table.inputChannels
        out.pixelScale = pixelScale ?? table.pixelScale
        out.pixelMean = pixelMean ?? table.pixelMean
        out.pixelStd = pixelStd ?? table.pixelStd
        if heads != HeadSemantics() { out.heads = (table.heads ?? HeadSemantics()).overridden(by: heads) }
        return out
    }

    /// The semantic keys (`stride_in_1x1`, `heads.box`, …) this config states.
    public var statedKeys: [String] {
        var keys: [String] = []
        func add(_ key: String, _ present: Bool) { if present { keys.append(key) } }
        add("stride_in_1x1", strideInFirst1x1 != nil)
        add("input_channels", inputChannels != nil)
        add("pixel_scale", pixelScale != nil)
        add("pixel_mean", pixelMean != nil)
        add("pixel_std", pixelStd != nil)
        keys += HeadSemantics.statedKeys(heads).map { "heads." + $0 }
        add("num_classes", numClasses != nil)
        add("class_agnostic_boxes", classAgnosticBoxes != nil)
        return keys
    }

    mutating func record(_ key: String, _ value: ConfigValue) {
        settings.append(Setting(key: key, value: value.description))
    }
}
