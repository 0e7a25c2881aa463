import Foundation
import WeightPortMapping
import WeightPortModels
import WeightPortVocabulary

/// The settings that make a target framework compute what the source computed, and what no
/// setting of the target can express (issue #10, "Converting heads between frameworks").
///
/// What the source computed comes from its effective semantics (the table's, as overridden by
/// the file's own config) and the model's architecture (stride placement, classes, which heads
/// exist); how the target spells each value comes from the target table's `settings:` section.
///
/// Every setting needed for parity is listed for the parts the model has (a model without a
/// mask head gets no mask settings), not only those that differ from the target's defaults: a
/// config that inherits a base file may not hold the defaults, and a full list can be pasted as
/// is. `Setting.changesDefault` marks the ones the target would otherwise get wrong. A pure
/// format change (target convention = source convention, input channels kept) needs no
/// settings: the source's own config still applies.
public struct TargetSettings: Sendable, Equatable {
    /// One configuration key and the value it needs.
    public struct Setting: Sendable, Equatable {
        public let key: String
        public let value: String
        /// What the source computes that the value makes the target compute.
        public let why: String
        /// The target's own default as spelt, when the table or its semantics know it.
        public let targetDefault: String?

        /// Whether the target computes something else unless this is set (true when unknown).
        public var changesDefault: Bool { targetDefault != value }
    }

    /// The target convention.
    public let target: String
    /// How the target's keys are applied (from the table's `settings.how`).
    public let how: String?
    public private(set) var settings: [Setting] = []
    /// What the source computes that no setting of the target can express, one sentence each.
    public private(set) var inexpressible: [String] = []
    /// What the source does not declare, so that no setting could be worked out for it.
    public private(set) var unstated: [String] = []

    /// The settings for converting `model` into `target`; `swappedInput` when the stem conv's
    /// input channels were reversed on the way (`--swap-input-channels`).
    public init(model: CanonicalModel, target: MappingTable, swappedInput: Bool = false) {
        self.init(source: model.semantics, sourceConvention: model.convention, spec: model.spec,
                  strideKnown: model.strideKnown, target: target, swappedInput: swappedInput)
    }

    /// The settings for a source that computes `source` with architecture `spec`.
    public init(source: ConventionSemantics, sourceConvention: String, spec: ArchitectureSpec, strideKnown: Bool = true,
                target: MappingTable, swappedInput: Bool = false) {
        self.target = target.convention
        how = target.settings?.how
        // Same convention: the source's own config still applies, unless the input channels
        // were reversed on the way, which that config no longer matches.
        guard sourceConvention != target.convention || swappedInput, let table = target.settings else { return }
        var builder = Builder(table: table, target: target.convention, sourceConvention: sourceConvention)
        builder.backbone(source, spec: spec, strideKnown: strideKnown, own: target.semantics, swappedInput: swappedInput)
        builder.heads(source.heads, spec: spec, own: target.semantics.heads ?? HeadSemantics())
        settings = builder.settings
        inexpressible = builder.inexpressible
        unstated = builder.unstated
    }

    public var isEmpty: Bool { settings.isEmpty && inexpressible.isEmpty && unstated.isEmpty }
}

/// A value a semantic takes: a vocabulary word (or `true`/`false`), a number, or a list.
enum SettingValue: Equatable {
    case word(String)
    case number(Double)
    case numbers([Double])

    static func flag(_ value: Bool) -> SettingValue { .word(value ? "true" : "false") }

    /// How reports show it (`legacy`, `2`, `[103.53, 116.28, 123.675]`).
    var text: String {
        switch self {
        case .word(let word): return word
        case .number(let x): return SettingValue.format(x)
        case .numbers(let xs): return "[" + xs.map(SettingValue.format).joined(separator: ", ") + "]"
        }
    }

    /// Integers without a fraction; others to 7 significant digits (float32's precision), so
    /// 0.485·255 prints 123.675 and 1/255 keeps its digits (0.003921569).
    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return String(format: "%.7g", x)
    }
}
