import WeightPortCore
import WeightPortFormats
import WeightPortMapping

/// Writes converted tensors in the layout the target framework's own files use.
enum OutputWriter {
    static func write(_ tensors: StateDict, format: OutputFormat, convention: String, semantics: ConventionSemantics,
                      metadata: [(String, JSONValue)], model: CanonicalModel, to path: String, overwrite: Bool) throws {
        let info = JSONValue.object(metadata)
        switch format {
        case .torch:
            try TorchZipWriter.write(checkpoint(tensors, semantics: semantics, info: info), to: path, overwrite: overwrite)
        case .safetensors:
            try SafetensorsWriter.write(tensors, to: path, metadata: ["weightport": info.serialized()], overwrite: overwrite)
        case .pickle:
            try writePickle(tensors, convention: convention, info: info, model: model, to: path, overwrite: overwrite)
        case .bundle:
            throw ConversionError.unsupportedOutput("bundles are written by the exporter")
        }
    }

    /// `bare`: the state dict itself (what `load_state_dict(torch.load(f))` wants);
    /// `model`: `{'model': sd, …}` (detectron2, maskrcnn-benchmark, Detectron.pytorch);
    /// `state_dict`: `{'state_dict': sd, 'meta': …}` (mmdetection).
    static func checkpoint(_ tensors: StateDict, semantics: ConventionSemantics, info: JSONValue) -> PickleWritable {
        let stateDict = PickleWritable.stateDict(tensors)
        switch semantics.checkpoint {
        case "model":
            return .stringDict([("model", stateDict), ("__author__", .string("WeightPort")),
                                ("matching_heuristics", .bool(false)), ("weightport", PickleWritable(info))])
        case "state_dict":
            return .stringDict([("state_dict", stateDict), ("meta", .stringDict([("weightport", PickleWritable(info))]))])
        default:
            return stateDict
        }
    }

    static func writePickle(_ tensors: StateDict, convention: String, info: JSONValue, model: CanonicalModel,
                            to path: String, overwrite: Bool) throws {
        switch convention {
        case "detectron":
            let cfg = model.file.metadata.first { $0.0 == "cfg" }.flatMap { if case .string(let t) = $0.1 { t } else { nil } }
            let layout: DetectronPickleWriter.Layout = cfg.map { .trainedModel(cfg: $0) }
                ?? (model.headNames.isEmpty ? .flat : .trainedModel(cfg: "# converted by WeightPort\n# \(info.serialized())\n"))
            try DetectronPickleWriter.write(tensors, to: path, layout: layout, overwrite: overwrite)
        case "detectron2":
            let arrays = PickleWritable.stringDict(tensors.map { ($0.name, .tensor($0.tensor)) })
            try DetectronPickleWriter.write(.stringDict([("model", arrays), ("__author__", .string("WeightPort")),
                                                         ("matching_heuristics", .bool(false))]), to: path, overwrite: overwrite)
        default:
            try DetectronPickleWriter.write(tensors, to: path, layout: .flat, overwrite: overwrite)
        }
    }
}
