import WeightPortVocabulary

/// Reads the settings that change the computation from Detectron's `cfg` (the YAML a
/// `model_final.pkl` carries): stride placement, the RoI transforms of each head, the FPN level
/// rule's constants, class count and layout, pixel means.
///
/// Real `cfg`s are full dumps, so every section is present even where the model has no such
/// head: a head's section is read only when the model has it (`MASK_ON`, `KEYPOINTS_ON`, not
/// RetinaNet or RPN-only), and the FPN constants only when `FPN_ON`.
public enum DetectronConfigReader {
    /// `isC4` says, from the tensor names, whether res5 is the RoI head; `MODEL.CONV_BODY` wins
    /// when the cfg names it. `defaults` complete a head whose cfg gives only one of resolution
    /// and sampling ratio.
    public static func read(_ text: String, origin: String = "cfg", isC4: Bool,
                            defaults: HeadSemantics? = nil) throws(ConfigTextError) -> CheckpointConfig {
        let root = try YAMLConfigTree.parse(text)
        var reader = Reader(root: root, config: CheckpointConfig(origin: origin, framework: "detectron"))
        reader.read(isC4: isC4, defaults: defaults ?? HeadSemantics())
        return reader.config
    }

    private struct Reader {
        let root: ConfigValue
        var config: CheckpointConfig

        /// The value at `path`, recorded for the report when present.
        mutating func get(_ path: String) -> ConfigValue? {
            guard let value = root.at(path), !value.isNone else { return nil }
            config.record(path, value)
            return value
        }

        mutating func bool(_ path: String) -> Bool? {
            guard let value = get(path) else { return nil }
            if value.bool == nil { config.opaque.append(.init(key: path, value: value.description)) }
            return value.bool
        }

        mutating func int(_ path: String) -> Int? {
            guard let value = get(path) else { return nil }
            if value.int == nil { config.opaque.append(.init(key: path, value: value.description)) }
            return value.int
        }

        /// Whether a flag is on without recording it (switches that say which sections apply).
        func flag(_ path: String) -> Bool? { root.at(path)?.bool }

        mutating func read(isC4: Bool, defaults: HeadSemantics) {
            let body = get("MODEL.CONV_BODY")?.string
            config.backboneType = body
            let boxHead = get("FAST_RCNN.ROI_BOX_HEAD")?.string
            let c4 = body.map { $0.contains("conv4_body") } ?? boxHead.map { $0.contains("roi_conv5_head") } ?? isC4
            config.strideInFirst1x1 = bool("RESNETS.STRIDE_1X1")
            config.norm = get("RESNETS.TRANS_FUNC")?.string.map { $0.contains("_gn") ? "GN" : "AffineChannel" }
            if let classes = int("MODEL.NUM_CLASSES") { config.numClasses = classes - 1 }
            config.classAgnosticBoxes = bool("MODEL.CLS_AGNOSTIC_BBOX_REG")
            if let means = get("PIXEL_MEANS") {
                if let numbers = means.flatNumbers, numbers.count == 3 {
                    config.pixelMean = numbers
                } else {
                    config.opaque.append(.init(key: "PIXEL_MEANS", value: means.description))
                }
            }

            let hasBoxHead = flag("RETINANET.RETINANET_ON") != true && flag("MODEL.RPN_ONLY") != true
            if hasBoxHead {
                let pooler = self.pooler("FAST_RCNN", fallback: c4 ? defaults.c4 : defaults.box)
                if c4 { config.heads.c4 = pooler } else { config.heads.box = pooler }
                _ = get("FAST_RCNN.MLP_HEAD_DIM")
            }
            if flag("MODEL.MASK_ON") == true {
                // C4: `add_ResNet_roi_conv5_head_for_masks` pools `_[mask]_pool5` with MRCNN.ROI_XFORM_*.
                let pooler = self.pooler("MRCNN", fallback: c4 ? defaults.c4MaskPooler : defaults.mask)
                if c4 { config.heads.c4Mask = pooler } else { config.heads.mask = pooler }
                // The C4 mask branch's res5 (`add_ResNet_roi_conv5_head_for_masks`) is dilated by it.
                if c4, let dilation = int("MRCNN.DILATION") { config.heads.maskDilation = dilation }
                for key in ["RESOLUTION", "DIM_REDUCED", "ROI_MASK_HEAD"] { _ = get("MRCNN." + key) }
            }
            if flag("MODEL.KEYPOINTS_ON") == true {
                config.heads.keypoint = pooler("KRCNN", fallback: defaults.keypoint)
                if let scale = int("KRCNN.UP_SCALE") {
                    if scale > 1 {
                        config.heads.keypointUpsampling = .detectronDeconv
                    } else {
                        config.warnings.append("KRCNN.UP_SCALE is \(scale): the keypoint logits are not upsampled, which the hub's keypoint head always does")
                    }
                }
                _ = get("KRCNN.USE_DECONV_OUTPUT")
                _ = get("KRCNN.NUM_KEYPOINTS")
            }
            if flag("FPN.FPN_ON") != false, root.at("FPN") != nil, flag("FPN.MULTILEVEL_ROIS") != false {
                if let scale = get("FPN.ROI_CANONICAL_SCALE") { config.heads.canonicalScale = scale.double }
                config.heads.canonicalLevel = int("FPN.ROI_CANONICAL_LEVEL")
                if let low = int("FPN.ROI_MIN_LEVEL"), let high = int("FPN.ROI_MAX_LEVEL"), low <= high {
                    config.roiLevels = low...high
                }
            }
        }

        /// One head's RoI transform: `<section>.ROI_XFORM_METHOD/RESOLUTION/SAMPLING_RATIO`.
        mutating func pooler(_ section: String, fallback: HeadSemantics.Pooler?) -> HeadSemantics.Pooler? {
            if let method = get(section + ".ROI_XFORM_METHOD")?.string {
                if method == "RoIAlign" {
                    config.heads.roiAlign = .legacy
                } else {
                    config.warnings.append("\(section).ROI_XFORM_METHOD is \(method): WeightPort computes RoIAlign only, so this head's pooling cannot be checked")
                }
            }
            let resolution = int(section + ".ROI_XFORM_RESOLUTION")
            let sampling = int(section + ".ROI_XFORM_SAMPLING_RATIO")
            guard resolution != nil || sampling != nil else { return nil }
            guard let r = resolution ?? fallback?.resolution, let s = sampling ?? fallback?.samplingRatio else { return nil }
            return HeadSemantics.Pooler(resolution: r, samplingRatio: s)
        }
    }
}
