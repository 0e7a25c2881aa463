import WeightPortCore
import WeightPortMapping
import WeightPortModels

/// Hub → a target convention's names, with the target's norm representation and the exact
/// transforms its table declares; reports what the target needs but does not get.
public enum TargetMapper {
    /// Changes applied on the way out (input channel order).
    public struct Options: Sendable {
        /// Reverse the stem conv's input channels (BGR ↔ RGB).
        public var swapInputChannels = false
        public init(swapInputChannels: Bool = false) { self.swapInputChannels = swapInputChannels }
    }

    /// The tensors under the target convention's names, with the report of what did not map.
    public struct Result: Sendable {
        public var tensors: StateDict
        /// Target name → canonical name(s) it came from.
        public var sourceOf: [String: String]
        public var report: MappingReport
        /// The architecture as the target holds it (norm kind adapted).
        public var spec: ArchitectureSpec
        public var weights: CanonicalWeights
    }

    public static func map(_ model: CanonicalModel, to table: MappingTable, options: Options = Options()) throws -> Result {
        if !model.groupNormPaths.isEmpty && table.semantics.groupNorm != true {
            throw ConversionError.unsupportedOutput("\(table.convention) models have no GroupNorm layers; this model has \(model.groupNormPaths.count)")
        }
        let spec = targetSpec(model.spec, table.semantics)
        let expected = try ModelTree(spec: spec).parameters
        var weights = try NormAdapter.adapt(model.weights, to: .init(table.semantics, groupNorms: model.groupNormPaths))
        let context = targetContext(model, table: table)
        addBatchNormCounters(&weights, table: table, context: context)
        if options.swapInputChannels { try swapStemChannels(&weights) }
        weights.tensors = modelOrder(weights.tensors, parameters: expected)
        let (tensors, sourceOf, mapped) = try CanonicalMapper.toForeign(weights, table: table, context: context)
        var report = mapped
        // Only what adapting to the target changed; the source side's transforms are in its notes.
        let adapted = weights.transforms.filter { model.weights.transforms[$0.key] != $0.value }
        let changes = adapted.map { name, how in
            let before = model.weights.transforms[name].map { $0 + "; " } ?? ""
            return "\(name): \(how.hasPrefix(before) ? String(how.dropFirst(before.count)) : how)"
        }
        report.notes = weights.notes + changes.sorted() + mapped.notes
        TreeCoverage.account(weights.tensors, sources: weights.sources, tree: try ModelTree(spec: spec), into: &report)
        report.warnings = SemanticComparison.warnings(from: model.semantics, to: table.semantics, spec: model.spec,
                                                      strideKnown: model.strideKnown, swapped: options.swapInputChannels)
        return Result(tensors: tensors, sourceOf: sourceOf, report: report, spec: spec, weights: weights)
    }

    /// The tensors in the order the model defines them (stem, stages, FPN, classifier, heads), as
    /// a framework's own `state_dict()` lists them; names the tree does not know keep their order.
    static func modelOrder(_ tensors: StateDict, parameters: [ParameterSpec]) -> StateDict {
        var rank: [String: Int] = [:]
        for (i, parameter) in parameters.enumerated() {
            let norm = parameter.path.hasSuffix(".running_var") ? parameter.path.dropLast(".running_var".count) + ".num_batches_tracked" : nil
            rank[parameter.path] = 2 * i
            if let norm { rank[String(norm)] = 2 * i + 1 }
        }
        let ordered = tensors.names.enumerated().sorted { a, b in
            let ra = rank[a.element] ?? Int.max, rb = rank[b.element] ?? Int.max
            return ra != rb ? ra < rb : a.offset < b.offset
        }
        return StateDict(ordered.compactMap { pair in tensors[pair.element].map { (pair.element, $0) } })
    }

    /// Flags and stage depths of the model as the target table needs them.
    static func targetContext(_ model: CanonicalModel, table: MappingTable) -> MappingContext {
        MappingContext(tables: ["blocks": model.spec.stageBlocks, "deformable": model.spec.deformableStages],
                       flags: model.spec.flags)
    }

    /// The same architecture with the norm the target's model uses.
    static func targetSpec(_ spec: ArchitectureSpec, _ semantics: ConventionSemantics) -> ArchitectureSpec {
        var out = spec
        out.stemBias = spec.stemBias && semantics.stemConvBias == .used
        guard spec.norm.kind != .group else { return out }
        // The same default NormAdapter.Target applies: a table that declares no norm gets BatchNorm.
        switch semantics.norm ?? .batchnorm {
        case .affine: out.norm = .affine
        case .batchnorm, .frozenBatchnorm: out.norm = NormSpec(kind: .batch, eps: Float(semantics.normEps ?? 1e-5))
        case .groupnorm: break
        }
        return out
    }

    /// torchvision's and mmdet's `BatchNorm2d` keep an update counter that a strict load expects;
    /// it has no effect on outputs, so every BatchNorm gets 0 when the target table names it.
    static func addBatchNormCounters(_ weights: inout CanonicalWeights, table: MappingTable, context: MappingContext) {
        for path in weights.normPaths where weights.tensors[path + ".running_var"] != nil {
            let name = path + ".num_batches_tracked"
            guard (try? NameMapper.map([name], table: table, context: context, direction: .canonicalToForeign))?.groups.count == 1 else { continue }
            weights.tensors[name] = Tensor.int64Scalar(0)
        }
    }

    static func swapStemChannels(_ weights: inout CanonicalWeights) throws {
        guard let conv = weights.tensors["stem.conv1.weight"], conv.rank == 4, conv.shape[1] == 3 else {
            throw ConversionError.invalidOption("swapping input channels needs a stem conv with 3 input channels")
        }
        let values = conv.floats()
        let (out, k) = (conv.shape[0], conv.shape[2] * conv.shape[3])
        var swapped = values
        for o in 0..<out {
            for c in 0..<3 {
                for i in 0..<k { swapped[(o * 3 + c) * k + i] = values[(o * 3 + (2 - c)) * k + i] }
            }
        }
        weights.tensors["stem.conv1.weight"] = Tensor(float32: swapped, shape: conv.shape)
        weights.transforms["stem.conv1.weight"] = "input channels reversed (BGR <-> RGB)"
    }
}

extension Tensor {
    /// A 0-d int64 tensor (BatchNorm's `num_batches_tracked`).
    static func int64Scalar(_ value: Int64) -> Tensor {
        let region = withUnsafeBytes(of: value.littleEndian) { ByteRegion(copying: $0) }
        return (try? Tensor(dtype: .int64, shape: [], byteOrder: .little, storage: region)) ?? Tensor(float32: [], shape: [0])
    }
}
