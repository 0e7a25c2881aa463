import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortHDF5
import WeightPortMapping
import WeightPortModels

/// WeightPort's own HDF5 bundles as a source: tensors already carry canonical names, and the
/// root attributes say which convention's semantics they keep and which architecture they fit.
enum BundleSource {
    static func isBundle(_ file: WeightFile) -> Bool {
        file.format == WeightFormat.hdf5.rawValue && file.metadata.contains { $0.0 == BundleLayout.marker }
    }

    static func canonical(path: String, file: WeightFile, options: CanonicalModelLoader.Options) throws -> CanonicalModel {
        let attributes = Dictionary(file.metadata, uniquingKeysWith: { first, _ in first })
        var weights = CanonicalWeights()
        for (name, tensor) in file.tensors {
            guard let canonical = BundleLayout.canonicalName(datasetPath: name) else { continue }
            weights.tensors[canonical] = tensor
            if case .string(let source)? = attributes["\(name)@source_name"] { weights.sources[canonical] = [source] }
        }
        let semantics = try decode(ConventionSemantics.self, attributes["semantics"]) ?? ConventionSemantics()
        guard var spec = try decode(ArchitectureSpec.self, attributes["architecture"]) else {
            throw ConversionError.architectureMismatch("bundle has no architecture attribute")
        }
        if let stride = options.strideIn1x1 { spec.strideIn1x1 = stride }
        for path in weights.normPaths where weights.tensors[path + ".running_var"] != nil {
            weights.normEps[path] = Double(spec.norm.eps)
        }
        var convention = "bundle"
        if case .string(let name)? = attributes["source_convention"] { convention = name }
        return CanonicalModel(path: path, file: file, convention: convention, semantics: semantics,
                              context: MappingContext.stages(spec.stageBlocks), weights: weights, spec: spec,
                              report: MappingReport(), container: nil)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue?) throws -> T? {
        guard case .string(let text)? = value else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw ConversionError.architectureMismatch("bundle attribute does not decode as \(T.self): \(error)")
        }
    }
}

extension ArchitectureSpec {
    /// Stage number (2…5) → blocks, the form mapping contexts use.
    var stageBlocks: [Int: Int] {
        Dictionary(uniqueKeysWithValues: blocksPerStage.enumerated().map { ($0.offset + 2, $0.element) })
    }
}
