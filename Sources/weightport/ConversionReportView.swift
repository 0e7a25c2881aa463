import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping

/// Renders conversion reports as text for people and as one JSON object for tools.
enum ConversionReportView {
    static func text(_ outcome: Converter.Outcome, settings: TargetSettings? = nil) -> String {
        var lines = [
            "source:       \(outcome.model.path) (\(outcome.model.file.format), \(outcome.model.convention))",
            "architecture: \(outcome.model.spec.name)",
            "output:       \(outcome.target) as \(outcome.format.rawValue), \(outcome.tensorsWritten) tensors",
        ] + SemanticsProvenanceView.text(outcome.model)
        lines.append(text(outcome.report))
        if let settings { lines += TargetSettingsView.text(settings) }
        return lines.joined(separator: "\n")
    }

    static func text(_ report: MappingReport) -> String {
        var lines = ["mapped:       \(report.mapped) source tensors"]
        for (category, names) in report.unused.sorted(by: { $0.key < $1.key }) {
            let reason = report.unusedReasons[category].map { " — \($0)" } ?? ""
            lines.append("not carried:  \(names.count) \(category)\(reason) (e.g. \(names[0]))")
        }
        section(&lines, "unknown source tensors", report.unknown)
        section(&lines, "used by no part of the model", report.unconsumed)
        section(&lines, "no name in the target", report.notRepresentable)
        section(&lines, "missing target tensors", report.missing)
        section(&lines, "allowed missing (--allow-missing)", report.allowedMissing)
        section(&lines, "incomplete groups", report.incomplete.map { "\($0.rule): has \($0.present.joined(separator: ", ")), lacks \($0.missing.joined(separator: ", "))" })
        section(&lines, "shape mismatches", report.shapeMismatches.map { "\($0.name): file \($0.source), target \($0.target)" })
        section(&lines, "warnings", report.warnings)
        section(&lines, "changed values", summarised(report.notes))
        return lines.joined(separator: "\n")
    }

    /// Notes of the form `name: how` grouped by `how`, so 50 synthesised statistics read as one line.
    static func summarised(_ notes: [String]) -> [String] {
        var order: [String] = []
        var names: [String: [String]] = [:]
        for note in notes {
            let parts = note.split(separator: ":", maxSplits: 1).map(String.init)
            let (name, how) = parts.count == 2 && !parts[0].contains(" ") ? (parts[0], parts[1].trimmingCharacters(in: .whitespaces)) : ("", note)
            if names[how] == nil { order.append(how) }
            names[how, default: []].append(name)
        }
        return order.map { how in
            let list = names[how, default: []].filter { !$0.isEmpty }
            guard let first = list.first else { return how }
            return list.count == 1 ? "\(first): \(how)" : "\(how) — \(list.count) tensors (e.g. \(first))"
        }
    }

    static func section(_ lines: inout [String], _ title: String, _ items: [String], limit: Int = 12) {
        guard !items.isEmpty else { return }
        lines.append("\(title) (\(items.count)):")
        lines += items.prefix(limit).map { "  \($0)" }
        if items.count > limit { lines.append("  … \(items.count - limit) more") }
    }

    static func json(_ outcome: Converter.Outcome, settings: TargetSettings? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("written", .bool(true)),
            ("source", .string(outcome.model.path)),
            ("source_format", .string(outcome.model.file.format)),
            ("source_convention", .string(outcome.model.convention)),
            ("target_convention", .string(outcome.target)),
            ("output_format", .string(outcome.format.rawValue)),
            ("architecture", .string(outcome.model.spec.name)),
            ("tensors_written", .int(outcome.tensorsWritten)),
            ("written_while_mapping", .bool(outcome.streamed)),
        ]
        if case .object(let report) = json(outcome.report) { pairs += report }
        pairs += TargetSettingsView.json(settings)
        return SemanticsProvenanceView.adding(to: .object(pairs), model: outcome.model)
    }

    static func json(_ failure: StrictConversionFailure) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("written", .bool(false)), ("source", .string(failure.path)), ("error", .string(failure.summary))]
        if case .object(let report) = json(failure.report) { pairs += report }
        return .object(pairs)
    }

    static func json(_ report: MappingReport) -> JSONValue {
        func strings(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }
        return .object([
            ("mapped", .int(report.mapped)),
            ("unused", .object(report.unused.sorted { $0.key < $1.key }.map { ($0.key, strings($0.value)) })),
            ("unknown", strings(report.unknown)),
            ("unconsumed", strings(report.unconsumed)),
            ("not_representable", strings(report.notRepresentable)),
            ("missing", strings(report.missing)),
            ("allowed_missing", strings(report.allowedMissing)),
            ("incomplete", .array(report.incomplete.map { .object([("rule", .string($0.rule)), ("present", strings($0.present)), ("missing", strings($0.missing))]) })),
            ("shape_mismatches", .array(report.shapeMismatches.map {
                .object([("name", .string($0.name)), ("source", .array($0.source.map { .int($0) })), ("target", .array($0.target.map { .int($0) }))])
            })),
            ("warnings", strings(report.warnings)),
            ("notes", strings(report.notes)),
        ])
    }
}
