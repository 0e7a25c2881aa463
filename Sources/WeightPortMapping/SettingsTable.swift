import WeightPortVocabulary
import Yams

/// A table's `settings:` section: for each semantic, the target framework's configuration key and
/// how it spells values, or why the framework cannot express it. Per-convention spelling is data
/// here; `TargetSettings` (façade) only fills values in.
///
/// ```yaml
/// settings:
///   how: "config keys (YAML, or --opts KEY VALUE)"
///   box.roi_align: {key: MODEL.ROI_BOX_HEAD.POOLER_TYPE, values: {legacy: ROIAlign, aligned: ROIAlignV2}}
///   box.sampling_ratio: {key: MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO}
///   level_rule: {cannot: "ROIPooler always uses sqrt(wh) with 1e-8 inside the log"}
/// ```
public struct SettingsTable: Sendable, Equatable {
    /// How one semantic is set in the framework.
    public struct Entry: Sendable, Equatable {
        /// The configuration key; nil when no setting of the framework changes the semantic.
        public var key: String?
        /// The same setting for the mask and keypoint poolers (global names whose framework keeps
        /// one copy per pooler, e.g. mmdet's `finest_scale`); emitted only for heads the model has.
        public var maskKey: String?
        public var keypointKey: String?
        /// Spelling of each value word (`legacy` → `ROIAlign`); a word missing here cannot be set.
        public var values: [String: String] = [:]
        /// Template for numbers; `{}` is the value (`[[[{}]]]` for Detectron's PIXEL_MEANS).
        public var format: String?
        /// `input_channels` only: the pixel scale the framework feeds with each channel order
        /// (maskrcnn-benchmark's TO_BGR255 picks BGR 0–255 or RGB 0–1); default: `semantics.pixel_scale`.
        public var scale: [String: Double] = [:]
        /// `canonical_scale` only: the FPN level the key's scale refers to (mmdet's `finest_scale`
        /// is the size that maps to P2, i.e. 2; default 4 as in `ROI_CANONICAL_SCALE`).
        public var atLevel: Int?
        /// `*.num_classes` only: whether the framework's count includes the background class.
        public var countsBackground: Bool?
        /// The framework's own default, as spelt, where it differs from what `semantics:`/`heads:`
        /// declare (those describe the standard published models, e.g. mmdet's caffe-style ones).
        public var defaultValue: String?
        /// Mask pooler entries only: in C4 models the mask head reuses the box head's pooled res5
        /// features, so the box pooler's settings cover it and this key must not be set.
        public var c4SharesBoxPooler = false
        /// Why values this entry cannot spell (or, without a key, any value other than the
        /// framework's own) cannot be expressed.
        public var cannot: String?
        /// Extra words for the report (where the key lives, what else to know).
        public var note: String?
        /// Line of the entry in the table file, for messages.
        public var line: Int?

        public init() {}
    }

    /// How the keys are applied (config file, constructor arguments, `--cfg-options`).
    public var how: String?
    public var entries: [SettingName: Entry]

    public init(how: String? = nil, entries: [SettingName: Entry] = [:]) {
        self.how = how
        self.entries = entries
    }

    /// Decodes the section; an unknown name, key or value word is a table error with its line.
    static func decode(_ node: Node) throws -> SettingsTable {
        let fields = try YAMLFields(node, at: "settings")
        var table = SettingsTable(how: try fields.optionalString("how"))
        for name in fields.keys where name != "how" {
            let setting: SettingName
            do { setting = try SettingName.parse(name) } catch {
                throw TableFile.ShapeError(reason: "settings: \(error)\(fields.line(of: name))")
            }
            guard let value = fields.node(name) else {
                throw TableFile.ShapeError(reason: "settings.\(name) needs key or cannot\(fields.line(of: name))")
            }
            table.entries[setting] = try entry(setting, value, line: fields.line(of: name))
        }
        return table
    }

    private static func entry(_ name: SettingName, _ node: Node, line: String) throws -> Entry {
        let place = "settings." + name.rawValue
        let fields = try YAMLFields(node, at: place)
        try fields.allow(["key", "mask_key", "keypoint_key", "values", "format", "scale", "at_level", "counts_background",
                          "default", "cannot", "note", "c4_shares_box_pooler"])
        func fail(_ reason: String) -> TableFile.ShapeError { TableFile.ShapeError(reason: "\(place): \(reason)\(line)") }
        var entry = Entry()
        entry.line = node.mark?.line
        entry.key = try fields.optionalString("key")
        entry.maskKey = try fields.optionalString("mask_key")
        entry.keypointKey = try fields.optionalString("keypoint_key")
        entry.format = try fields.optionalString("format")
        entry.atLevel = try fields.optionalDouble("at_level").map { Int($0) }
        entry.countsBackground = try fields.optionalBool("counts_background")
        entry.defaultValue = try fields.optionalString("default")
        entry.cannot = try fields.optionalString("cannot")
        entry.note = try fields.optionalString("note")
        entry.c4SharesBoxPooler = try fields.optionalBool("c4_shares_box_pooler") ?? false
        if entry.c4SharesBoxPooler, ![.maskRoIAlign, .maskSamplingRatio, .maskResolution].contains(name) {
            throw fail("c4_shares_box_pooler: only for the mask pooler's settings")
        }
        guard entry.key != nil || entry.cannot != nil else { throw fail("needs key or cannot") }
        let allowed: [String]?
        switch name.kind {
        case .flag: allowed = ["true", "false"]
        case .word(let words): allowed = words
        case .presence:
            allowed = nil
            if entry.key != nil { throw fail("a head's presence has no key, only cannot") }
        case .number, .numbers: allowed = nil
        }
        if let node = fields.node("values") {
            guard let allowed else { throw fail("values: only for true/false and word settings (use format for numbers)") }
            let spelled = try YAMLFields(node, at: place + ".values")
            for word in spelled.keys {
                // YAML's basic resolver keeps `true`/`True` as text; words compare case-sensitively
                // except for the two flag words.
                let normal = allowed == ["true", "false"] ? word.lowercased() : word
                guard allowed.contains(normal) else {
                    throw TableFile.ShapeError(reason: "\(place).values: unknown value '\(word)' (known: \(allowed.joined(separator: ", ")))\(spelled.line(of: word))")
                }
                entry.values[normal] = try spelled.string(word)
            }
        } else if allowed != nil, entry.key != nil {
            throw fail("a key for a true/false or word setting needs values (how each is spelt)")
        }
        if let format = entry.format {
            guard allowed == nil, name.kind.isNumeric else { throw fail("format: only for numbers") }
            guard format.contains("{}") else { throw fail("format must contain {} (the value)") }
        }
        if let node = fields.node("scale") {
            guard name == .inputChannels else { throw fail("scale: only for input_channels") }
            let scales = try YAMLFields(node, at: place + ".scale")
            for word in scales.keys {
                guard ChannelOrder(rawValue: word) != nil else {
                    throw TableFile.ShapeError(reason: "\(place).scale: unknown value '\(word)'\(scales.line(of: word))")
                }
                entry.scale[word] = try scales.optionalDouble(word)
            }
        }
        if entry.atLevel != nil, name != .canonicalScale { throw fail("at_level: only for canonical_scale") }
        if entry.countsBackground != nil, name != .boxNumClasses, name != .maskNumClasses {
            throw fail("counts_background: only for box.num_classes and mask.num_classes")
        }
        if entry.key != nil, entry.countsBackground == nil, name == .boxNumClasses || name == .maskNumClasses {
            throw fail("needs counts_background (whether the framework counts the background class)")
        }
        if entry.maskKey != nil || entry.keypointKey != nil, ![.levelRule, .canonicalScale, .canonicalLevel].contains(name) {
            throw fail("mask_key/keypoint_key: only for level_rule, canonical_scale and canonical_level")
        }
        return entry
    }
}

extension SettingName.Kind {
    var isNumeric: Bool {
        switch self {
        case .number, .numbers: return true
        default: return false
        }
    }
}
