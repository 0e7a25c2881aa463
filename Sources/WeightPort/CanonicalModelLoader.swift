import Foundation
import WeightPortCore
import WeightPortMapping
import WeightPortModels

/// Reads any weight file onto the hub: detects its naming convention (or takes `--from`),
/// maps it through that table, and works out the architecture (or checks `--arch`).
public enum CanonicalModelLoader {
    /// What the caller knows about the source that its names may not say (convention, architecture, stride).
    public struct Options: Sendable {
        public var from: String?
        public var arch: String?
        /// Overrides the convention's stride placement (`true`: stride on the first 1×1).
        public var strideIn1x1: Bool?

        public init(from: String? = nil, arch: String? = nil, strideIn1x1: Bool? = nil) {
            self.from = from
            self.arch = arch
            self.strideIn1x1 = strideIn1x1
        }
    }

    /// Loads `path` onto the hub. The file's pages are made present up front by default, as
    /// verification computes with every value at once; a conversion passes `.afterParsing`.
    public static func load(path: String, options: Options, catalog: MappingCatalog,
                            prefault: WeightFileLoader.Prefault = .upFront) throws -> CanonicalModel {
        try load(path: path, options: options, catalog: { catalog }, prefault: prefault)
    }

    /// `load`, asking for the catalog only once the file is parsed (it may still be loading).
    /// `parsed` sees the file as soon as its structure is read, before its names are mapped
    /// (with the tables, should it need them before they are ready), and answers whether it
    /// started writing the tensors' bytes already: their writer then brings the pages in
    /// itself, in the order it writes them, and `.afterParsing`'s prefault is skipped.
    /// `preparsed`: the file read ahead (`PreparsedSource`), used when it is this file and the
    /// pages need not be present up front.
    public static func load(path: String, options: Options, catalog: () throws -> MappingCatalog,
                            prefault: WeightFileLoader.Prefault, preparsed: PreparsedSource? = nil,
                            parsed: (WeightFile, () throws -> MappingCatalog) -> Bool = { _, _ in false }) throws -> CanonicalModel {
        let early = prefault == .upFront ? nil : preparsed?.take(path: path)
        let (file, bytes) = try early ?? WeightFileLoader.loadMapped(path: path, prefault: prefault)
        // A conversion writes each tensor once: its pages can go as soon as they are written.
        if prefault == .afterParsing { bytes.releasesWrittenPages = true }
        let writing = withoutActuallyEscaping(catalog) { catalog in parsed(file, catalog) }
        let catalog = try catalog()
        // Only now: while the tables were still being parsed on the other core, a prefault there
        // delayed them, and the tables stand between the parsed file and everything after it.
        if !writing && prefault == .afterParsing { bytes.prefaultInBackground() }
        return try FileError.attributing(to: path) {
            if BundleSource.isBundle(file) { return try BundleSource.canonical(path: path, file: file, options: options) }
            return try canonical(path: path, file: file, options: options, catalog: catalog)
        }
    }

    /// BatchNorm's update counter (`….num_batches_tracked`), which the hub never holds.
    static func isUpdateCounter(_ name: String) -> Bool { name.hasSuffix(".num_batches_tracked") }

    static func canonical(path: String, file: WeightFile, options: Options, catalog: MappingCatalog) throws -> CanonicalModel {
        let unwrapped = CheckpointUnwrapper.unwrap(file.tensors, containers: catalog.containerKeys)
        let names = unwrapped.weights.names
        let table: MappingTable
        let context: MappingContext
        // Detection has mapped the names already while scoring its choice; reused, not redone.
        let mapping: NameMapping
        if let from = options.from {
            table = try catalog.table(from)
            context = ConventionDetector.context(for: names, table: table)
            mapping = try NameMapper.map(names, table: table, context: context, direction: .foreignToCanonical)
        } else {
            let best = try ConventionDetector.detect(names, tables: catalog.tables)
            (table, context, mapping) = (best.table, best.context, best.mapping)
        }
        let caffeEps = CaffeLayerEps(file.metadata)
        var (weights, report) = try CanonicalMapper.toCanonical(unwrapped.weights, table: table, mapping: mapping,
                                                                parameters: caffeEps.lookup(default: table.semantics.normEps ?? 1e-5))
        if !unwrapped.others.isEmpty { report.unused["checkpoint-state", default: []] += unwrapped.others }
        // BatchNorm update counters carry nothing a model computes with; writers whose framework
        // expects them write zeros, so the hub never holds them.
        for name in weights.tensors.names where isUpdateCounter(name) {
            weights.tensors[name] = nil
            report.unused["bookkeeping", default: []] += weights.sources[name] ?? [name]
            report.mapped -= 1
        }
        if report.unused["bookkeeping"] != nil { report.unusedReasons["bookkeeping"] = report.unusedReasons["bookkeeping"] ?? "BatchNorm's update counter; no effect at inference" }
        // Semantics: the table's defaults, under the file's own training config, under options.
        let config = try CheckpointConfigLocator.read(file, flags: context.flags, table: table.semantics)
        var effective = try EffectiveSemantics.resolve(table: table.semantics, config: config, flags: context.flags, options: options,
                                                       classifierRows: weights.tensors["roi_heads.box_predictor.cls_score.weight"]?.shape.first)
        report.warnings += effective.warnings
        let spec = try architecture(weights, table: table, context: context, options: options,
                                    semantics: effective.semantics, strideFromFile: config?.strideInFirst1x1 != nil)
        for path in weights.normPaths where weights.normEps[path] == nil && weights.tensors[path + ".running_var"] != nil {
            weights.normEps[path] = Double(spec.norm.eps)
        }
        weights = try uniformEps(weights, spec: spec)
        effective = effective.withTensorFacts(spec)
        var model = CanonicalModel(path: path, file: file, convention: table.convention, semantics: effective.semantics,
                                   context: context, weights: weights, spec: spec, report: report, container: unwrapped.container)
        model.strideKnown = options.arch != nil || options.strideIn1x1 != nil || effective.semantics.strideInFirst1x1 != nil
        model.checkpointConfig = config
        model.semanticsProvenance = effective.provenance
        return model
    }

    /// The architecture: inferred from the canonical tensors, with what they cannot show taken
    /// from `--arch` and the convention's semantics; `--arch` must agree with the tensors.
    /// `semantics` are the effective ones (the table's by default); a stride the file's config
    /// states applies even under a named ResNeXt `--arch`.
    static func architecture(_ weights: CanonicalWeights, table: MappingTable, context: MappingContext,
                             options: Options, semantics: ConventionSemantics? = nil,
                             strideFromFile: Bool = false) throws -> ArchitectureSpec {
        let semantics = semantics ?? table.semantics
        let fromFile = try options.arch.flatMap { $0.hasSuffix(".json") ? try ArchitectureFile.load($0, options: options) : nil }
        let named = try options.arch.flatMap { name throws(ArchitectureError) in
            name.hasSuffix(".json") ? nil : try ArchitectureSpec(name: name)
        }
        // A spec file says everything the tensors cannot; the tensors still decide the structure.
        var defaults = fromFile ?? SemanticDefaults.spec(semantics, flags: context.flags, base: named)
        if named != nil, let stride = semantics.strideInFirst1x1, options.arch?.hasPrefix("X") == false || strideFromFile {
            defaults.strideIn1x1 = stride
        }
        if let stride = options.strideIn1x1 { defaults.strideIn1x1 = stride }
        let shapes = weights.tensors.map { ($0.name, $0.tensor.shape) }
        var spec = try ArchitectureInference.infer(from: shapes, defaults: defaults)
        if let named {
            guard named.blocksPerStage == spec.blocksPerStage, named.block == spec.block, named.groups == spec.groups else {
                throw ConversionError.architectureMismatch(
                    "the architecture \(options.arch ?? "") has blocks \(named.blocksPerStage) (\(named.block.rawValue), groups \(named.groups)), "
                    + "the file has \(spec.blocksPerStage) (\(spec.block.rawValue), groups \(spec.groups))")
            }
            spec.body = named.body == .c5 && spec.body != .c5 ? spec.body : named.body
            if named.body == .fpn, let fpn = named.fpn, var inferred = spec.fpn { inferred.onlyP2 = fpn.onlyP2; spec.fpn = inferred }
        }
        if let eps = commonestEps(weights.normEps), spec.norm.kind == .batch { spec.norm.eps = Float(eps) }
        return spec
    }

    /// The eps most norms use (the smallest among equally common ones), so the choice — and which
    /// norms get rescaled to it — does not depend on dictionary order.
    static func commonestEps(_ epsByNorm: [String: Double]) -> Double? {
        var counts: [Double: Int] = [:]
        for eps in epsByNorm.values { counts[eps, default: 0] += 1 }
        return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
    }

    /// The reference model has one eps per model: norms with another eps (Caffe layers may each
    /// declare their own) are rescaled exactly to the model's.
    static func uniformEps(_ weights: CanonicalWeights, spec: ArchitectureSpec) throws -> CanonicalWeights {
        guard spec.norm.kind == .batch, Set(weights.normEps.values).count > 1 else { return weights }
        return try NormAdapter.adapt(weights, to: .init(normKind: .batchnorm, eps: Double(spec.norm.eps), stemBias: true))
    }
}

/// Caffe BatchNorm layers declare their own eps; mapping looks it up by the BatchNorm layer's name.
struct CaffeLayerEps: Sendable {
    let epsByLayer: [String: Double]

    init(_ metadata: [(String, JSONValue)]) {
        var eps: [String: Double] = [:]
        if case .array(let layers)? = metadata.first(where: { $0.0 == "layers" })?.1 {
            for layer in layers {
                guard case .string(let name)? = layer["name"], case .string("BatchNorm")? = layer["type"] else { continue }
                if case .double(let value)? = layer["params"]?["eps"] { eps[name] = value }
            }
        }
        epsByLayer = eps
    }

    func lookup(default fallback: Double) -> CanonicalMapper.ParameterLookup? {
        guard !epsByLayer.isEmpty else { return nil }
        let table = epsByLayer
        return { group in
            let layer = group.foreign["mean"].map { String($0.split(separator: "/").first ?? "") }
            return GroupTransform.Parameters(eps: layer.flatMap { table[$0] } ?? fallback)
        }
    }
}

/// `--arch file.json`: a complete `ArchitectureSpec` (as the fixtures' `arch.json`), taken as is.
enum ArchitectureFile {
    static func load(_ path: String, options: CanonicalModelLoader.Options) throws -> ArchitectureSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(path: path, underlying: FileAccessError.cannotOpen(path: path, reason: "cannot read the architecture file"))
        }
        do {
            var spec = try JSONDecoder().decode(ArchitectureSpec.self, from: data)
            if let stride = options.strideIn1x1 { spec.strideIn1x1 = stride }
            try spec.validate()
            return spec
        } catch let error as any Diagnostic {
            throw FileError(path: path, underlying: error)
        } catch {
            throw FileError(path: path, underlying: ConversionError.invalidOption("not an architecture spec: \(error)"))
        }
    }
}
