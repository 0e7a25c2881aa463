import WeightPortCore

/// Reads a bare pickle of NumPy arrays: Detectron `model_final.pkl` (`{'blobs': …, 'cfg': …}`),
/// ImageNet `R-50.pkl` (flat dict), detectron2 `{'model': …}` files, or any nested dict.
///
/// Tensor names follow the file's own keys: blob names as they are for Detectron, keys for flat
/// dicts, keys under `model` for detectron2, dotted key paths otherwise. Metadata `layout`
/// says which shape was found; `cfg` keeps Detectron's configuration text in full;
/// `non_tensor_entries` lists every other leaf.
public enum PickleReader: WeightFileReader {
    public static func read(_ bytes: ByteRegion) throws -> WeightFile {
        guard bytes.count > 0 else { throw FormatError.empty }
        var unpickler = Unpickler(bytes)
        let root = try unpickler.load()
        var flattener = CheckpointFlattener()
        var metadata: [(String, JSONValue)] = []
        let layout = try flatten(root, into: &flattener, metadata: &metadata)
        metadata.insert(("layout", .string(layout)), at: 0)
        metadata.append(("pickle_protocol", .int(unpickler.proto)))
        metadata.append(("non_tensor_entries", .object(flattener.entries)))
        return WeightFile(format: WeightFormat.pickle.rawValue, tensors: StateDict(flattener.tensors), metadata: metadata)
    }

    /// Detects the layout, adds tensors and leaves, and returns the layout's name.
    static func flatten(_ root: PickleValue, into flattener: inout CheckpointFlattener,
                        metadata: inout [(String, JSONValue)]) throws -> String {
        guard case .dict(let dict) = root else {
            try flattener.add(root, path: "")
            return "nested"
        }
        if case .dict(let blobs)? = dict["blobs"] {
            try flattener.add(.dict(blobs), path: "")
            for (key, value) in dict.pairs where key.text != "blobs" {
                if key.text == "cfg", let text = value.text {
                    metadata.append(("cfg", .string(text)))
                } else {
                    try flattener.add(value, path: CheckpointFlattener.keyName(key))
                }
            }
            return "detectron-blobs"
        }
        if case .dict(let model)? = dict["model"], hasTensors(model) {
            try flattener.add(.dict(model), path: "")
            for (key, value) in dict.pairs where key.text != "model" {
                try flattener.add(value, path: CheckpointFlattener.keyName(key))
            }
            return "detectron2-model"
        }
        try flattener.add(root, path: "")
        let nested = dict.pairs.contains { pair in
            if case .dict(let inner) = pair.value { return inner.count > 0 }
            return false
        }
        return nested ? "nested" : "flat"
    }

    static func hasTensors(_ dict: PickleDict) -> Bool {
        dict.pairs.contains { pair in
            if case .object(let object) = pair.value {
                return NumpyPickleArray.handles(object) || TorchTensorRebuild.handles(object)
            }
            return false
        }
    }
}
