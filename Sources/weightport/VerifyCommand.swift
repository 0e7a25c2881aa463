import ArgumentParser
import Foundation
import WeightPort
import WeightPortCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run the reference forward pass and compare it with recorded activations, layer by layer.",
        discussion: """
        EXPECTED holds activations keyed by canonical names (stem, res2…res5, p2…p7, logits) or by the
        source framework's own names (torchvision layer1…layer4 and FPN '0'…'pool'; Detectron
        res2_2_sum, fpn_res2_2_sum…; Caffe res2c…). Every array except one named 'input' is compared.
        Exit status 0 only if every feature is within tolerance.
        """
    )

    @Argument(help: "Weights: any file weightport reads, including its HDF5 bundles.") var weights: String
    @Option(help: "Network input: NCHW float32, already preprocessed (.npy, .npz, .safetensors, .h5).") var input: String
    @Option(help: "Recorded activations (.npy, .npz, .safetensors, .h5).") var expect: String
    @OptionGroup var conventions: ConventionOptions
    @Option(help: "Maximum error relative to each feature's largest magnitude (default 1e-4).") var tolerance: Float?
    @Option(help: "Boxes to run the RoI heads on: one N×4 float32 array x1, y1, x2, y2 in input pixels (.npy, .npz, .safetensors, .h5).")
    var boxes: String?
    @Option(help: "Source tensors to leave out on purpose (pattern, * = any text; repeatable); any other tensor no part of the model uses is an error.")
    var drop: [String] = []
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        try PatternOptions.validate(drop: drop)
    }

    func run() throws {
        var request = Verifier.Request(weights: weights, input: input, expect: expect)
        request.load = conventions.loaderOptions
        request.drop = try NamePatternList(drop)
        request.boxes = boxes
        if let tolerance { request.tolerance = tolerance }
        let outcome = try Verifier.verify(request, catalog: try conventions.catalog())
        print(json ? SemanticsProvenanceView.adding(to: Verifier.json(outcome), model: outcome.model).serialized() : ParityTable.render(outcome))
        if !outcome.passed { throw ExitCode(1) }
    }
}

/// The per-feature table `verify` prints.
enum ParityTable {
    static func render(_ outcome: Verifier.Outcome) -> String {
        var lines = [
            "weights:      \(outcome.model.path) (\(outcome.model.file.format), \(outcome.model.convention))",
            "architecture: \(outcome.model.spec.name)",
        ] + SemanticsProvenanceView.text(outcome.model) + [""]
        var rows = [["FEATURE", "RECORDED AS", "SHAPE", "MAX ABS", "MAX REL", "COSINE", "RESULT"]]
        for layer in outcome.layers {
            let r = layer.report
            rows.append([layer.name, layer.sourceName, "[" + r.shape.map(String.init).joined(separator: ", ") + "]",
                         String(format: "%.3g", r.maxAbsoluteError), String(format: "%.3g", r.maxRelativeError),
                         String(format: "%.8f", r.cosineSimilarity), r.passes ? "pass" : "FAIL"])
        }
        lines += InspectionTable.table(rows)
        lines.append("")
        let failed = outcome.layers.filter { !$0.report.passes }.count
        lines.append(failed == 0
            ? "PASSED: \(outcome.layers.count) features within \(outcome.layers.first.map { String(format: "%g", $0.report.tolerance) } ?? "") of their range"
            : "FAILED: \(failed) of \(outcome.layers.count) features")
        if let diagnosis = outcome.diagnosis { lines.append("first divergence: \(diagnosis)") }
        if !outcome.headsNotRun.isEmpty {
            lines.append("checked by name and shape only, not run (no --boxes): " + outcome.headsNotRun.joined(separator: ", "))
        }
        lines.append(String(format: "time: load %.3f s, forward %.3f s", outcome.loadSeconds, outcome.forwardSeconds))
        return lines.joined(separator: "\n")
    }
}
