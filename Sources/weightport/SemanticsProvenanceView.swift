import WeightPort
import WeightPortCore
import WeightPortMapping

/// Where a model's semantics came from — the file's own training config, the table's defaults,
/// or options — as `verify` and `convert` print it, in text and in `--json`.
enum SemanticsProvenanceView {
    static let sources = ["file", "table", "option", "tensors"]

    /// One line per source naming its keys, and a line saying when the file carries no config.
    static func text(_ model: CanonicalModel) -> [String] {
        guard !model.semanticsProvenance.isEmpty else { return [] }
        var lines: [String] = []
        if let config = model.checkpointConfig {
            lines.append("config:       \(config.origin) (\(config.framework)), \(config.settings.count) settings read")
        } else {
            let style = model.convention == "mmdet" ? ", style='\(model.spec.strideIn1x1 ? "caffe" : "pytorch")'" : ""
            lines.append("config:       none in the file: \(model.convention)'s defaults (stride on the \(model.spec.strideIn1x1 ? "1x1" : "3x3")\(style))")
        }
        let grouped = Dictionary(grouping: model.semanticsProvenance.keys.sorted()) { model.semanticsProvenance[$0] ?? "" }
        let titles = ["file": "from the file's config", "table": "table defaults", "option": "from options",
                      "tensors": "from the tensors' shapes"]
        for source in sources {
            guard let keys = grouped[source], !keys.isEmpty else { continue }
            let lead = lines.count == 1 ? "semantics:    " : "              "
            // What the shapes settled is said with its value (it overrode what was declared).
            let shown = source == "tensors" ? keys.map { key in shapeSettled(key, model).map { "\(key) = \($0)" } ?? key } : keys
            lines.append(lead + (titles[source] ?? source) + ": " + shown.joined(separator: ", "))
        }
        return lines
    }

    /// The effective value of a semantic the tensors' shapes settled (provenance `tensors`).
    static func shapeSettled(_ key: String, _ model: CanonicalModel) -> String? {
        key == "heads.rpn_activation" ? model.semantics.heads?.rpnActivation?.rawValue : nil
    }

    /// `object` with `semantics_provenance` and `checkpoint_config` added.
    static func adding(to object: JSONValue, model: CanonicalModel) -> JSONValue {
        guard case .object(var pairs) = object else { return object }
        pairs.append(("semantics_provenance", .object(model.semanticsProvenance.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        pairs.append(("checkpoint_config", model.checkpointConfig.map(json) ?? .null))
        return .object(pairs)
    }

    static func json(_ config: CheckpointConfig) -> JSONValue {
        .object([
            ("origin", .string(config.origin)),
            ("framework", .string(config.framework)),
            ("settings", .object(config.settings.map { ($0.key, .string($0.value)) })),
            ("warnings", .array(config.warnings.map { .string($0) })),
        ])
    }
}
