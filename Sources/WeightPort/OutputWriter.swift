import WeightPortCore
import WeightPortFormats
import WeightPortMapping
import WeightPortVocabulary

/// Writes converted tensors in the layout the target framework's own files use.
enum OutputWriter {
    static func write(_ tensors: StateDict, format: OutputFormat, semantics: ConventionSemantics,
                      metadata: [(String, JSONValue)], model: CanonicalModel, to path: String, overwrite: Bool) throws {
        let info = JSONValue.object(metadata)
        switch format {
        case .torch:
            try TorchZipWriter.write(checkpoint(tensors, semantics: semantics, info: info), to: path, overwrite: overwrite)
        case .safetensors:
            try SafetensorsWriter.write(tensors, to: path, metadata: safetensorsMetadata(metadata), overwrite: overwrite)
        case .pickle:
            try writePickle(tensors, layout: semantics.pickle ?? .flat, info: info, model: model, to: path, overwrite: overwrite)
        case .bundle:
            throw ConversionError.unsupportedOutput("bundles are written by the exporter")
        }
    }

    /// The provenance as a safetensors header's metadata (string values only).
    static func safetensorsMetadata(_ metadata: [(String, JSONValue)]) -> [String: String] {
        ["weightport": JSONValue.object(metadata).serialized()]
    }

    /// `bare`: the state dict itself (what `load_state_dict(torch.load(f))` wants);
    /// `model`: `{'model': sd, …}` (detectron2, maskrcnn-benchmark, Detectron.pytorch);
    /// `state_dict`: `{'state_dict': sd, 'meta': …}` (mmdetection).
    static func checkpoint(_ tensors: StateDict, semantics: ConventionSemantics, info: JSONValue) -> PickleWritable {
        let stateDict = PickleWritable.stateDict(tensors)
        switch semantics.checkpoint ?? .bare {
        case .model:
            return .stringDict([("model", stateDict), ("__author__", .string("WeightPort")),
                                ("matching_heuristics", .bool(false)), ("weightport", PickleWritable(info))])
        case .stateDict:
            return .stringDict([("state_dict", stateDict), ("meta", .stringDict([("weightport", PickleWritable(info))]))])
        case .bare:
            return stateDict
        }
    }

    static func writePickle(_ tensors: StateDict, layout: PickleLayout, info: JSONValue, model: CanonicalModel,
                            to path: String, overwrite: Bool) throws {
        try DetectronPickleWriter.write(pickleObject(tensors, layout: layout, info: info, model: model), to: path,
                                        overwrite: overwrite)
    }

    /// What a pickle in `layout` holds: Detectron's blobs (with the source's `cfg` when it had
    /// one), detectron2's `{'model': …}`, or the bare arrays.
    static func pickleObject(_ tensors: StateDict, layout: PickleLayout, info: JSONValue, model: CanonicalModel) -> PickleWritable {
        switch layout {
        case .detectronBlobs:
            let cfg = model.file.metadata.first { $0.0 == "cfg" }.flatMap { if case .string(let t) = $0.1 { t } else { nil } }
            let layout: DetectronPickleWriter.Layout = cfg.map { .trainedModel(cfg: $0) }
                ?? (model.spec.heads.isEmpty ? .flat : .trainedModel(cfg: "# converted by WeightPort\n# \(info.serialized())\n"))
            return DetectronPickleWriter.object(tensors, layout: layout)
        case .detectron2Model:
            let arrays = PickleWritable.stringDict(tensors.map { ($0.name, .tensor($0.tensor)) })
            return .stringDict([("model", arrays), ("__author__", .string("WeightPort")), ("matching_heuristics", .bool(false))])
        case .flat:
            return DetectronPickleWriter.object(tensors, layout: .flat)
        }
    }
}
