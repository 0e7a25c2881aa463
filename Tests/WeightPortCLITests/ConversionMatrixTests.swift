import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// Every ordered pair (native source file, target convention) of fixtures/conventions, converted
/// through the Swift API into the target's own format, read back and compared with the target's
/// own native file (written by fixtures/gen_conventions.py from the same torchvision model):
///
/// * "exact" tensors (convs, FPN, heads): bit-equal — renaming never touches values;
/// * norms: functionally equal, y = scale·x + shift computed in Double with each file's own
///   form and eps (tolerance below);
/// * predictors: bit-equal after the declared background transform (rotation and row dropping
///   are exact); rows a background-last source never had are zero in a background-first output;
/// * the output holds no tensor the native file lacks except the ones declared (counters).
final class ConversionMatrixTests: XCTestCase {
    typealias File = ConventionFixtures.File

    /// Float32 folds (w/√(v+eps), b − m·scale, eps rescaling, stem-bias folding) round each
    /// operand to 2^-24 relative; a handful of operations per value stays under 64 ulps of the
    /// largest term involved, so |Δ| ≤ 4e-6 · (|b| + |m·scale| + |scale|).
    static let normTolerance = 4e-6

    static func targets(_ family: String) -> [File] {
        ConventionFixtures.files.filter { $0.family == family && !$0.sourceOnly && $0.file != "maskrcnn-benchmark-module.pth" }
    }

    static func sources(_ family: String) -> [File] {
        ConventionFixtures.files.filter { $0.family == family }
    }

    func testDetectionMatrix() throws {
        try runMatrix(family: "detection")
    }

    func testClassifierMatrix() throws {
        try runMatrix(family: "classifier")
    }

    /// The same pairs with every source written while its names are mapped (`StreamedOutput`;
    /// the CLI does that from 16 MiB of tensors, these fixtures are smaller): the outputs must
    /// meet the same expectations. Where the output is the source's own tensors under new names
    /// the stream must have held (`streamed`); where the source has tensors the output leaves out,
    /// or values computed on the way stand in, it gives up and the ordinary writer writes the
    /// file — the expectations above check both.
    func testDetectionMatrixStreamed() throws {
        let streamed = try runMatrix(family: "detection", streamingMinimum: 0)
        // Same convention in and out: every tensor goes through unchanged, or (detectron2's and
        // mmdet's predictors, background row moved to the hub's place and back) with the same
        // bytes; optimizer state is left out up front by the tables' unused patterns.
        for same in ["canonical.safetensors → canonical", "detectron.pkl → detectron", "detectron.pytorch.pth → detectron.pytorch",
                     "detectron2.pkl → detectron2", "mmdet.pth → mmdet", "maskrcnn-benchmark.pth → maskrcnn-benchmark",
                     "torchvision.pth → torchvision"] {
            XCTAssertTrue(streamed.contains(same), "\(same) not streamed; streamed: \(streamed.sorted())")
        }
    }

    func testClassifierMatrixStreamed() throws {
        let streamed = try runMatrix(family: "classifier", streamingMinimum: 0)
        XCTAssertFalse(streamed.isEmpty)
    }

    /// Converts every pair and checks it; returns the pairs (`source → target`) whose output was
    /// written while their names were mapped.
    @discardableResult
    func runMatrix(family: String, streamingMinimum: Int = Converter.Request(source: "", destination: "").streamingMinimum) throws -> Set<String> {
        var streamed = Set<String>()
        let catalog = try ConventionFixtures.catalog
        let dir = try ConventionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var done = 0
        for source in Self.sources(family) {
            for target in Self.targets(family) {
                let out = dir.appendingPathComponent("\(source.file)-to-\(target.convention).\(target.format)").path
                var request = Converter.Request(source: source.path, destination: out)
                request.to = target.convention
                request.streamingMinimum = streamingMinimum
                let label = "\(source.file) → \(target.convention)"
                let outcome: Converter.Outcome
                do {
                    outcome = try Converter.convert(request, catalog: catalog)
                } catch {
                    XCTFail("\(label): \(error)")
                    continue
                }
                XCTAssertEqual(outcome.report.mapped > 0, true, label)
                if outcome.streamed { streamed.insert(label) }
                checkReport(outcome.report, source: source, target: target, label: label)
                try compare(output: out, source: source, target: target, label: label)
                done += 1
            }
        }
        XCTAssertEqual(done, Self.sources(family).count * Self.targets(family).count)
        return streamed
    }

    /// What the report must say: invented background rows, the folded Caffe stem bias, and the
    /// source tensors left behind on purpose.
    func checkReport(_ report: MappingReport, source: File, target: File, label: String) {
        let sourceBackground = source.predictors.values.first?.background
        if sourceBackground == "last", target.predictors.values.first?.background == "first" {
            XCTAssertTrue(report.notes.contains { $0.contains("box-regression rows invented as zeros") }, "\(label): \(report.notes)")
            XCTAssertTrue(report.notes.contains { $0.contains("mask channel invented as zeros") }, "\(label): \(report.notes)")
        }
        if source.convention == "caffe", target.convention != "canonical" {
            XCTAssertTrue(report.notes.contains { $0.contains("stem conv bias folded") }, "\(label): \(report.notes)")
        }
        let unused = Set(report.unused.values.joined())
        for name in source.unused where !name.hasSuffix(".num_batches_tracked") {
            XCTAssertTrue(unused.contains(name), "\(label): \(name) not reported unused")
        }
        XCTAssertEqual(report.unknown, [], label)
        XCTAssertEqual(report.missing, [], label)
    }

    func compare(output: String, source: File, target: File, label: String) throws {
        let produced = try ConventionFixtures.weights(output)
        let native = try ConventionFixtures.weights(target.path)

        for (name, _) in target.exact {
            guard let a = produced[name], let b = native[name] else { XCTFail("\(label): no \(name)"); continue }
            XCTAssertEqual(a.shape, b.shape, "\(label): \(name)")
            XCTAssertTrue(a.floats() == b.floats(), "\(label): \(name) differs")
        }

        for norm in target.norms {
            let expected = try NormFunction(native, names: norm.names, kind: norm.kind, eps: norm.eps, convBias: norm.convBias)
            // A source with a stem conv bias (Caffe) keeps it only where the target has one.
            let bias = norm.canonical == "stem.conv1" ? stemBias(in: target, produced) : nil
            let got = try NormFunction(produced, names: norm.names, kind: norm.kind, eps: norm.eps, convBias: bias)
            for i in 0..<expected.scale.count {
                let tol = Self.normTolerance * expected.magnitude[i]
                XCTAssertEqual(got.scale[i], expected.scale[i], accuracy: tol, "\(label): \(norm.canonical) scale[\(i)]")
                XCTAssertEqual(got.shift[i], expected.shift[i], accuracy: tol, "\(label): \(norm.canonical) shift[\(i)]")
            }
        }

        let sourceBackground = source.predictors.values.first?.background ?? "first"
        for (name, p) in target.predictors {
            guard let a = produced[name], let b = native[name] else { XCTFail("\(label): no \(name)"); continue }
            XCTAssertEqual(a.shape, b.shape, "\(label): \(name)")
            var want = b.floats()
            if sourceBackground == "last" && p.background == "first" && p.kind != "cls_score" {
                // The source never had background box rows / a background mask channel: zeros.
                let invented = p.kind == "bbox_pred" ? 4 * (b.shape.dropFirst().reduce(1, *)) : b.shape.dropFirst().reduce(1, *)
                for i in 0..<invented { want[i] = 0 }
            }
            XCTAssertTrue(a.floats() == want, "\(label): \(name) differs")
        }

        // Nothing unexpected: the output's names are the native file's, less what the native file
        // keeps unused (momentum, zero biases, counters the target does not write).
        var allowedExtra: Set<String> = []
        if let bias = stemBias(in: target, produced) { allowedExtra.insert(bias) }
        let extra = Set(produced.names).subtracting(native.names).subtracting(allowedExtra)
        XCTAssertEqual(extra, [], "\(label): unexpected tensors")
        let absent = Set(native.names).subtracting(produced.names).subtracting(target.unused)
        XCTAssertEqual(absent, [], "\(label): tensors missing")
    }

    /// The stem conv bias a target keeps and uses (canonical's `stem.conv1.bias`), when written.
    /// Detectron's `conv1_b` is not one: Detectron ignores it (stem_conv_bias: ignored).
    func stemBias(in target: File, _ produced: StateDict) -> String? {
        guard let weight = target.exact.first(where: { $0.value == "stem.conv1.weight" })?.key,
              weight.hasSuffix(".weight") else { return nil }
        let name = String(weight.dropLast("weight".count)) + "bias"
        return produced.contains(name) ? name : nil
    }
}
