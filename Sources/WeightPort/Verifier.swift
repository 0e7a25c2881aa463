import Foundation
import WeightPortCore
import WeightPortMapping
import WeightPortModels
import WeightPortReference
import WeightPortVocabulary

/// `weightport verify`: runs the reference forward pass on the hub weights with the source
/// convention's semantics and compares every recorded activation, feature by feature.
public enum Verifier {
    /// One verification: weights, an input tensor, the activations recorded for it, and the tolerance.
    public struct Request: Sendable {
        public var weights: String
        public var input: String
        public var expect: String
        public var load = CanonicalModelLoader.Options()
        public var tolerance = Parity.defaultRelativeTolerance
        /// Source tensors left out on purpose (by source name); any other tensor no part of the
        /// model consumes fails the verification before it runs.
        public var drop = NamePatternList()
        /// `--boxes`: an N×4 array of boxes to run the RoI heads on; nil runs the backbone, the
        /// pyramid and the RPN only.
        public var boxes: String?

        public init(weights: String, input: String, expect: String) {
            self.weights = weights
            self.input = input
            self.expect = expect
        }
    }

    /// One compared feature.
    public struct Layer: Sendable {
        /// Canonical feature name (`res2`).
        public let name: String
        /// The key in the expected file (`res2_2_sum`, `layer1`, or `res2` itself).
        public let sourceName: String
        public let report: Parity.Report
    }

    /// Every feature's comparison, the first divergence explained, and the timings.
    public struct Outcome: Sendable {
        public let model: CanonicalModel
        public let layers: [Layer]
        public let diagnosis: String?
        /// Nodes whose tensors were checked by name and shape but that the pass did not run
        /// (RoI heads without `--boxes`).
        public let headsNotRun: [String]
        /// How the heads pooled and upsampled, when they ran.
        public let headSettings: HeadSettings?
        public let loadSeconds: Double
        public let forwardSeconds: Double
        public var passed: Bool { layers.allSatisfy { $0.report.passes } }
    }

    public static func verify(_ request: Request, catalog: MappingCatalog) throws -> Outcome {
        let start = Date()
        let model = try CanonicalModelLoader.load(path: request.weights, options: request.load, catalog: catalog)
        let input = try InputTensor.load(path: request.input)
        let expected = try ExpectedFeatures.load(path: request.expect, model: model, catalog: catalog)
        let tree = try FileError.attributing(to: request.weights) { try model.tree }
        let weights = try checkedWeights(model, tree: tree, drop: request.drop)
        let reference = try FileError.attributing(to: request.weights) { try ReferenceModel(tree: tree, stateDict: weights) }
        let heads = try request.boxes.map { HeadRunSettings.settings(model.semantics.heads, boxes: try HeadRunSettings.boxes(path: $0)) }
        let loaded = Date()
        var features = try FileError.attributing(to: request.input) { try reference.forward(input, heads: heads) }
        let forwarded = Date()
        try frameworkLayouts(&features, expected: expected, path: request.expect)
        let notRun = reference.notRun(heads: heads)
        for name in expected.keys where features[name] == nil && FeatureName.heads.contains(name) {
            let needs = notRun.isEmpty ? "a head this model does not have" : "boxes to run the RoI heads on"
            let recorded = expected[name].map { $0.key == name ? "'\(name)'" : "'\($0.key)' (\(name))" } ?? name
            throw FileError(path: request.expect, underlying: VerificationError.input("\(recorded) needs \(needs)"))
        }
        var table: [String: (values: [Float], shape: [Int])] = [:]
        for (canonical, entry) in expected { table[canonical] = (entry.tensor.floats(), entry.tensor.shape) }
        // Vectors (logits, box features, scores) are [N, C, 1, 1] here; frameworks record [N, C].
        for (name, want) in table {
            guard let map = features[name], map.height == 1, map.width == 1, want.shape == [map.batch, map.channels] else { continue }
            table[name] = (want.values, map.shape)
        }
        let reports = Parity.compare(actual: features, expected: table, tolerance: request.tolerance)
        let layers = reports.map { Layer(name: $0.name, sourceName: expected[$0.name]?.key ?? $0.name, report: $0) }
        return Outcome(model: model, layers: layers, diagnosis: Parity.diagnosis(reports), headsNotRun: notRun, headSettings: heads,
                       loadSeconds: loaded.timeIntervalSince(start), forwardSeconds: forwarded.timeIntervalSince(loaded))
    }

    /// Arrays recorded under the framework's own names are in its layout (detectron2/mmdet:
    /// background last, no background box rows or mask channel): the hub's outputs for them are
    /// moved into it by the transform their `features:` row declares before comparing.
    static func frameworkLayouts(_ features: inout [String: FeatureMap], expected: [String: ExpectedFeatures.Entry],
                                 path: String) throws {
        for (name, entry) in expected where entry.transform != "identity" {
            guard let map = features[name] else { continue }
            do {
                let moved = try ActivationLayout.toForeign(values: map.values(), shape: map.shape, transform: entry.transform)
                features[name] = FeatureMap(values: moved.values, shape: moved.shape)
            } catch {
                throw FileError(path: path, underlying: error)
            }
        }
    }

    /// The canonical tensors, accounted for as strictly as `convert` does: a source tensor no rule
    /// knows, one no node consumes, a missing or mis-shaped one stops verification with its name
    /// (a deformable-conv offset must not verify as a plain ResNet and then blame stride placement).
    static func checkedWeights(_ model: CanonicalModel, tree: ModelTree, drop: NamePatternList) throws -> StateDict {
        var report = model.report
        TreeCoverage.account(model.weights.tensors, sources: model.weights.sources, tree: tree, into: &report)
        try Converter.enforceStrictness(&report, drop: drop, allowMissing: NamePatternList(), source: model.path)
        let dropped = Set(report.unused["dropped (--drop)"] ?? [])
        return StateDict(model.weights.tensors.filter { name, _ in
            !(model.weights.sources[name] ?? [name]).contains(where: dropped.contains)
        }.map { ($0.name, $0.tensor) })
    }

    /// The verification as the JSON object `verify --json` prints and bundles store under `/parity`.
    public static func json(_ outcome: Outcome) -> JSONValue {
        .object([
            ("passed", .bool(outcome.passed)),
            ("layers", .array(outcome.layers.map(json))),
            ("diagnosis", outcome.diagnosis.map { .string($0) } ?? .null),
            ("heads_not_run", .array(outcome.headsNotRun.map { .string($0) })),
            ("timings", .object([("load", .double(outcome.loadSeconds)), ("forward", .double(outcome.forwardSeconds))])),
            ("architecture", JSONValue(encoding: outcome.model.spec) ?? .string(outcome.model.spec.name)),
            ("convention", .string(outcome.model.convention)),
        ])
    }

    static func json(_ layer: Layer) -> JSONValue {
        let r = layer.report
        return .object([
            ("name", .string(layer.name)),
            ("source_name", .string(layer.sourceName)),
            ("shape", .array(r.shape.map { .int($0) })),
            ("expected_shape", .array(r.expectedShape.map { .int($0) })),
            ("max_abs_error", .double(Double(r.maxAbsoluteError))),
            ("max_rel_error", .double(Double(r.maxRelativeError))),
            ("cosine", .double(r.cosineSimilarity)),
            ("worst_index", r.worstIndex.map { .int($0) } ?? .null),
            ("tolerance", .double(Double(r.tolerance))),
            ("passed", .bool(r.passes)),
        ])
    }
}
