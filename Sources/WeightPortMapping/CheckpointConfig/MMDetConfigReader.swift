import WeightPortVocabulary

/// Reads the settings that change the computation from mmdetection's saved config (Python text,
/// parsed as data by `PythonConfig`): the backbone's type and `style`, its stem and shortcut,
/// DCN stages and norm, the RoI extractors' `roi_layer` and `finest_scale`, class count and
/// layout, and the data preprocessor's mean, std and channel order.
///
/// Where the config leaves a setting out, mmdetection's own default is what trained the
/// model, so that default is the file's value: a `ResNet` without `style` is `'pytorch'`
/// (stride on the 3×3), an `roi_layer` without `aligned` is mmcv's `aligned=True`, an extractor
/// without `finest_scale` uses 56, a preprocessor without `bgr_to_rgb` keeps BGR.
public enum MMDetConfigReader {
    /// Backbone types that are mmdetection's ResNet (`style` applies to their bottlenecks).
    static let resNetTypes: Set<String> = ["ResNet", "ResNetV1c", "ResNetV1d", "ResNeXt"]

    public static func read(_ text: String, origin: String) throws(ConfigTextError) -> CheckpointConfig {
        try read(PythonConfig(parsing: text), origin: origin)
    }

    public static func read(_ document: PythonConfig, origin: String) -> CheckpointConfig {
        var reader = Reader(document: document, config: CheckpointConfig(origin: origin, framework: "mmdet"))
        reader.read()
        return reader.config
    }

    private struct Reader {
        let document: PythonConfig
        var config: CheckpointConfig

        /// The value at `path` (its first part a top-level name), recorded when present;
        /// `needed` values written as expressions are listed as opaque.
        mutating func get(_ path: String, needed: Bool = false) -> ConfigValue? {
            guard let value = document.value(at: path) else { return nil }
            config.record(path, value)
            if needed, value.isOpaque { config.opaque.append(.init(key: path, value: value.description)) }
            return value.isOpaque ? nil : value
        }

        mutating func read() {
            readBackbone()
            readHeads()
            readPixels()
        }

        mutating func readBackbone() {
            guard document.value(at: "model.backbone") != nil else { return }
            // New-style configs write `type=ResNet` (the imported class): a bare identifier is
            // read as the class name, never looked up.
            let rawType = document.value(at: "model.backbone.type")
            if let rawType { config.record("model.backbone.type", rawType) }
            let typeText: String? = rawType?.string ?? {
                if case .opaque(let text)? = rawType, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { return text }
                return nil
            }()
            let type = typeText.map { $0.hasPrefix("mmdet.") ? String($0.dropFirst(6)) : $0 }
            config.backboneType = type
            guard let type, MMDetConfigReader.resNetTypes.contains(type) else {
                if rawType?.isOpaque == true, typeText == nil {
                    config.opaque.append(.init(key: "model.backbone.type", value: rawType?.description ?? ""))
                }
                return
            }
            let style = get("model.backbone.style", needed: true)
            if document.value(at: "model.backbone.style")?.isOpaque != true {
                switch style?.string ?? "pytorch" {
                case "caffe": config.strideInFirst1x1 = true
                case "pytorch": config.strideInFirst1x1 = false
                default: config.opaque.append(.init(key: "model.backbone.style", value: style?.description ?? ""))
                }
            }
            switch type {
            case "ResNetV1c": (config.deepStem, config.avgDown) = (true, false)
            case "ResNetV1d": (config.deepStem, config.avgDown) = (true, true)
            default:
                config.deepStem = get("model.backbone.deep_stem")?.bool ?? false
                config.avgDown = get("model.backbone.avg_down")?.bool ?? false
            }
            if let dcn = get("model.backbone.dcn"), !dcn.isNone {
                let stages = get("model.backbone.stage_with_dcn")?.items?.compactMap(\.bool)
                config.dcnStages = stages ?? [false, false, false, false]
            }
            if let norm = get("model.backbone.norm_cfg") {
                config.norm = norm["type"]?.string
                config.normEps = norm["eps"]?.double
            }
            config.normEval = get("model.backbone.norm_eval")?.bool
        }

        mutating func readHeads() {
            guard document.value(at: "model.roi_head") != nil else { return }
            let c4 = document.value(at: "model.roi_head.shared_head").map { !$0.isNone } ?? false
            var variants: [RoIAlignVariant] = []
            if let box = extractor("model.roi_head.bbox_roi_extractor", variants: &variants) {
                if c4 { config.heads.c4 = box } else { config.heads.box = box }
            }
            if !c4, let mask = extractor("model.roi_head.mask_roi_extractor", variants: &variants) {
                config.heads.mask = mask
            }
            if let first = variants.first {
                config.heads.roiAlign = first
                if variants.contains(where: { $0 != first }) {
                    config.warnings.append("the box and mask RoI extractors disagree on roi_layer.aligned; the box head's is used")
                }
            }
            // Cascade heads are a list of stages; their class layout is the same in each.
            let boxHead = document.value(at: "model.roi_head.bbox_head").flatMap { $0.items?.first ?? $0 }
            if let boxHead {
                if let classes = boxHead["num_classes"] { config.record("model.roi_head.bbox_head.num_classes", classes) }
                if let agnostic = boxHead["reg_class_agnostic"] { config.record("model.roi_head.bbox_head.reg_class_agnostic", agnostic) }
                config.numClasses = boxHead["num_classes"]?.int
                config.classAgnosticBoxes = boxHead["reg_class_agnostic"]?.bool ?? (boxHead["num_classes"] != nil ? false : nil)
            }
            _ = get("model.roi_head.mask_head.num_classes")
            _ = get("model.roi_head.mask_head.class_agnostic")
        }

        /// One `SingleRoIExtractor`: its `roi_layer` as a pooler, its `finest_scale` as the level rule's scale.
        mutating func extractor(_ path: String, variants: inout [RoIAlignVariant]) -> HeadSemantics.Pooler? {
            guard let extractor = document.value(at: path), !extractor.isNone else { return nil }
            if let type = get(path + ".type")?.string, type != "SingleRoIExtractor" {
                config.warnings.append("\(path).type is \(type): only SingleRoIExtractor's level rule is known")
            }
            guard document.value(at: path + ".roi_layer") != nil else { return nil }
            if let type = get(path + ".roi_layer.type", needed: true)?.string, type != "RoIAlign" {
                config.warnings.append("\(path).roi_layer.type is \(type): WeightPort computes RoIAlign only, so this head's pooling cannot be checked")
            }
            let size = get(path + ".roi_layer.output_size", needed: true)
            let sampling = get(path + ".roi_layer.sampling_ratio", needed: true)
            let aligned = get(path + ".roi_layer.aligned", needed: true)
            variants.append(aligned?.bool ?? true ? .aligned : .legacy)
            config.heads.levelRule = .mmdet
            let finest = get(path + ".finest_scale", needed: true)
            config.heads.canonicalScale = finest?.double ?? config.heads.canonicalScale ?? 56
            _ = get(path + ".featmap_strides")
            guard let resolution = size?.int ?? size?.items?.first?.int else { return nil }
            return HeadSemantics.Pooler(resolution: resolution, samplingRatio: sampling?.int ?? 0)
        }

        mutating func readPixels() {
            // mmdet 3: model.data_preprocessor; mmdet 2: the top-level img_norm_cfg.
            let (base, swapKey): (String, String)
            if document.value(at: "model.data_preprocessor.mean") != nil {
                (base, swapKey) = ("model.data_preprocessor", "bgr_to_rgb")
            } else if document.value(at: "img_norm_cfg.mean") != nil {
                (base, swapKey) = ("img_norm_cfg", "to_rgb")
            } else {
                return
            }
            config.pixelMean = get(base + ".mean")?.flatNumbers
            config.pixelStd = get(base + ".std")?.flatNumbers
            let swap = get(base + "." + swapKey)?.bool ?? false
            let reverse = base == "model.data_preprocessor" ? get(base + ".rgb_to_bgr")?.bool ?? false : false
            // mmcv decodes images as BGR; only an explicit swap gives the network RGB.
            config.inputChannels = swap && !reverse ? .rgb : .bgr
            config.pixelScale = 255
        }
    }
}
