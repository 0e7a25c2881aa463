import ArgumentParser
import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Tell whether two weight files hold the same model, whatever their formats and conventions.",
        discussion: """
        Both files are mapped onto the hub and compared tensor by tensor: names only one side has,
        shape mismatches, and the largest absolute and relative difference of every tensor. Norms
        are compared as the per-channel scale and shift they compute (BatchNorm with statistics,
        affine channels, Caffe BatchNorm+Scale and any eps compare equal when the function is the
        same); a stem conv bias is folded into the stem norm; background rows a background-last
        file never had are not compared. Relative difference: max|a-b| / max(max|a|, max|b|) per
        tensor. Exit status: 0 same model within the tolerance, 1 different, 2 a file cannot be read.
        """
    )

    @Argument(help: "The first weight file.") var a: String
    @Argument(help: "The second weight file.") var b: String
    @Option(name: .customLong("from-a"), help: "Naming convention of A (default: detected).") var fromA: String?
    @Option(name: .customLong("from-b"), help: "Naming convention of B (default: detected).") var fromB: String?
    @Option(help: "Largest relative difference per tensor still counted as equal (default 1e-5).") var tolerance: Double?
    @Option(help: "Folder of mapping tables (default: $WEIGHTPORT_MAPPINGS, else the tables built into weightport).") var mappings: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if let tolerance, !(tolerance >= 0) { throw ValidationError("--tolerance must be a number ≥ 0") }
    }

    func run() throws {
        var request = CheckpointDiff.Request(a: a, b: b)
        request.loadA = .init(from: fromA)
        request.loadB = .init(from: fromB)
        if let tolerance { request.tolerance = tolerance }
        let outcome: CheckpointDiff.Outcome
        do {
            let catalog = try MappingsCommand.load(mappings)
            outcome = try CheckpointDiff.compare(request, catalog: catalog)
        } catch let error as FileError {
            // Like cmp and diff: trouble is 2, so that 1 always means "they differ".
            FileHandle.standardError.write(Data((ErrorRenderer.line(error) + "\n").utf8))
            throw ExitCode(2)
        }
        print(json ? CheckpointDiff.json(outcome).serialized() : DiffTable.render(outcome))
        if !outcome.same { throw ExitCode(1) }
    }
}

/// The short human-readable form of a comparison.
enum DiffTable {
    /// Rows of the table of nonzero differences (largest first, those beyond the tolerance before
    /// the others): 20 when any is beyond it, else 5; `--json` lists every tensor.
    static func rowLimit(_ outcome: CheckpointDiff.Outcome) -> Int { outcome.differing.isEmpty ? 5 : 20 }

    static func render(_ outcome: CheckpointDiff.Outcome) -> String {
        var lines = [side("a", outcome.a), side("b", outcome.b)]
        let tensors = outcome.tensors
        let exact = tensors.filter { $0.maxAbsolute == 0 }.count
        let differing = outcome.differing.count
        lines.append("compared:     \(tensors.count) tensors: \(exact) identical, \(tensors.count - exact - differing) within "
                     + "\(number(outcome.tolerance)), \(differing) beyond")
        ConversionReportView.section(&lines, "only in a", outcome.onlyInA)
        ConversionReportView.section(&lines, "only in b", outcome.onlyInB)
        ConversionReportView.section(&lines, "shape mismatches", outcome.shapeMismatches.map { "\($0.name): a \($0.shapeA), b \($0.shapeB)" })
        ConversionReportView.section(&lines, "equivalences used", transforms(tensors), limit: 8)
        let shown = tensors.filter { $0.maxAbsolute != 0 }
            .sorted { ($0.withinTolerance ? 1 : 0, -$0.maxRelative) < ($1.withinTolerance ? 1 : 0, -$1.maxRelative) }
        if !shown.isEmpty {
            var rows = [["TENSOR", "SHAPE", "MAX ABS", "MAX REL", "RESULT"]]
            let limit = rowLimit(outcome)
            for t in shown.prefix(limit) {
                rows.append([t.name, "[" + t.shape.map(String.init).joined(separator: ", ") + "]", number(t.maxAbsolute),
                             number(t.maxRelative), t.withinTolerance ? "within" : "DIFFERS"])
            }
            lines.append("")
            lines += InspectionTable.table(rows)
            if shown.count > limit { lines.append("… \(shown.count - limit) more nonzero differences (--json lists every tensor)") }
        }
        ConversionReportView.section(&lines, "warnings (not in the tensors; they do not decide the result)", outcome.warnings)
        lines.append("")
        lines.append(verdict(outcome))
        return lines.joined(separator: "\n")
    }

    static func side(_ label: String, _ s: CheckpointDiff.Side) -> String {
        let ignored = s.notCompared.values.reduce(0, +)
        let skipped = ignored == 0 ? "" : ", \(ignored) not compared: "
            + s.notCompared.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(label):            \(s.path) (\(s.format), \(s.convention), \(s.architecture)\(skipped))"
    }

    /// Each distinct explanation once, with how many tensors it applies to.
    static func transforms(_ tensors: [CheckpointDiff.TensorDifference]) -> [String] {
        var order: [String] = []
        var counts: [String: (Int, String)] = [:]
        for t in tensors {
            guard let how = t.transform else { continue }
            if counts[how] == nil { order.append(how) }
            counts[how] = ((counts[how]?.0 ?? 0) + 1, counts[how]?.1 ?? t.name)
        }
        return order.map { how in
            let (n, first) = counts[how] ?? (0, "")
            return n == 1 ? "\(first): \(how)" : "\(n) tensors (e.g. \(first)): \(how)"
        }
    }

    static func verdict(_ outcome: CheckpointDiff.Outcome) -> String {
        if outcome.same { return "SAME MODEL: every tensor within \(number(outcome.tolerance)) (relative)" }
        var parts: [String] = []
        if !outcome.differing.isEmpty { parts.append("\(outcome.differing.count) tensors beyond \(number(outcome.tolerance))") }
        if !outcome.onlyInA.isEmpty { parts.append("\(outcome.onlyInA.count) only in a") }
        if !outcome.onlyInB.isEmpty { parts.append("\(outcome.onlyInB.count) only in b") }
        if !outcome.shapeMismatches.isEmpty { parts.append("\(outcome.shapeMismatches.count) shape mismatches") }
        return "DIFFERENT: " + parts.joined(separator: ", ")
    }

    static func number(_ x: Double) -> String { String(format: "%.3g", x) }
}
