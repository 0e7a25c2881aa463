import WeightPortCore
import WeightPortMapping
import WeightPortModels
import WeightPortVocabulary

/// The semantics a model is computed with: the table's defaults, overridden by the checkpoint's
/// own training config, overridden by options — and, for each value, which of the three it
/// came from (`table`, `file`, `option`, or `tensors` where the shapes settle it), so reports can
/// say so.
struct EffectiveSemantics {
    var semantics: ConventionSemantics
    /// Semantic key (`stride_in_1x1`, `heads.box`, `num_classes`, …) → `table`, `file` or `option`.
    var provenance: [String: String]
    /// Things the config says that the report should repeat (unsupported settings, a config that
    /// contradicts the tensor names).
    var warnings: [String]

    /// `classifierRows`: rows of the canonical `cls_score` (K+1, background included), to check
    /// the config's class count against.
    static func resolve(table: ConventionSemantics, config: CheckpointConfig?, flags: Set<ArchitectureFlag>,
                        options: CanonicalModelLoader.Options, classifierRows: Int? = nil) throws(ConfigTextError) -> EffectiveSemantics {
        var provenance: [String: String] = [:]
        for key in tableKeys(table) { provenance[key] = "table" }
        var semantics = table
        var warnings: [String] = []
        if let config {
            semantics = config.applied(to: table)
            for key in config.statedKeys { provenance[key] = "file" }
            warnings += config.warnings.map { "checkpoint config: " + $0 }
            warnings += disagreements(config, flags: flags)
            // A keypoint pickle (2 classes) read with an 81-class config is a classic mix-up.
            if let classes = config.numClasses, let rows = classifierRows, rows != classes + 1 {
                warnings.append("checkpoint config: \(classes) object classes, but the box predictor has \(rows - 1) (+ background); the tensors are followed")
            }
            try checkOpaque(config, options: options, warnings: &warnings)
        }
        // `--arch` with a JSON spec states the stride too; a named ResNeXt implies the 3×3.
        let archStatesStride = options.arch?.hasSuffix(".json") == true
            || (options.arch?.hasPrefix("X") == true && config?.strideInFirst1x1 == nil)
        if options.strideIn1x1 != nil || archStatesStride { provenance["stride_in_1x1"] = "option" }
        return EffectiveSemantics(semantics: semantics, provenance: provenance, warnings: warnings)
    }

    /// The semantics with what the tensors' shapes settle over what was declared: an RPN with two
    /// objectness logits per anchor is a softmax RPN (Detectron.pytorch `RPN.CLS_ACTIVATION`),
    /// one with one a sigmoid RPN, whatever the table or config said; provenance `tensors`.
    /// Semantics that declare no heads at all (the hub's own names) stay without them.
    func withTensorFacts(_ spec: ArchitectureSpec) -> EffectiveSemantics {
        guard let rpn = spec.heads.rpn, var heads = semantics.heads else { return self }
        let shown: RPNActivation = rpn.logitsPerAnchor == 2 ? .softmax : .sigmoid
        guard heads.rpnActivation != shown else { return self }
        var out = self
        heads.rpnActivation = shown
        out.semantics.heads = heads
        out.provenance["heads.rpn_activation"] = "tensors"
        return out
    }

    /// The table's semantic keys that change what the model computes or expects as input.
    static func tableKeys(_ table: ConventionSemantics) -> [String] {
        var keys: [String] = []
        func add(_ key: String, _ present: Bool) { if present { keys.append(key) } }
        add("stride_in_1x1", table.strideInFirst1x1 != nil)
        add("pool1", table.pool1 != nil)
        add("stem_conv_bias", table.stemConvBias != nil)
        add("norm", table.norm != nil)
        add("norm_eps", table.normEps != nil)
        add("input_channels", table.inputChannels != nil)
        add("pixel_scale", table.pixelScale != nil)
        add("pixel_mean", table.pixelMean != nil)
        add("pixel_std", table.pixelStd != nil)
        add("background_class", table.backgroundClass != nil)
        keys += HeadSemantics.statedKeys(table.heads ?? HeadSemantics()).map { "heads." + $0 }
        return keys
    }

    /// The tensors decide the structure; a config that says otherwise is reported, not obeyed.
    static func disagreements(_ config: CheckpointConfig, flags: Set<ArchitectureFlag>) -> [String] {
        var out: [String] = []
        if let deep = config.deepStem, deep != flags.contains(.deepStem) {
            out.append("checkpoint config: its backbone \(deep ? "has" : "has no") deep stem, the tensor names say the opposite; the names are followed")
        }
        if let avg = config.avgDown, avg != flags.contains(.avgDown) {
            out.append("checkpoint config: its backbone \(avg ? "averages" : "does not average") before projection shortcuts, the tensor names say the opposite; the names are followed")
        }
        if let stages = config.dcnStages, stages.contains(true) {
            out.append("checkpoint config: deformable convolutions in stages \(stages.enumerated().filter(\.element).map { "res\($0.offset + 2)" }.joined(separator: ", ")) (recorded)")
        }
        return out
    }

    /// A setting written as an expression fails the load, unless an option gives the value or
    /// it only describes the input (then the report says so).
    static func checkOpaque(_ config: CheckpointConfig, options: CanonicalModelLoader.Options,
                            warnings: inout [String]) throws(ConfigTextError) {
        for setting in config.opaque {
            let key = setting.key
            if key.hasSuffix("style") || key.hasSuffix("STRIDE_1X1") {
                if options.strideIn1x1 != nil || options.arch?.hasSuffix(".json") == true { continue }
            } else if key.contains("PIXEL") || key.hasSuffix("mean") || key.hasSuffix("std") {
                warnings.append("checkpoint config: \(key) is '\(setting.value)', not a literal; the table's value is kept")
                continue
            }
            throw .opaqueSetting(key: key, text: setting.value)
        }
    }
}
