import WeightPortCore
import WeightPortMapping
import WeightPortVocabulary

/// The network input of `verify`: the array named `input`, or the file's only array.
enum InputTensor {
    static func load(path: String) throws -> Tensor {
        let file = try WeightFileLoader.load(path: path)
        let tensor = file.tensors["input"] ?? (file.tensors.count == 1 ? file.tensors.first { _ in true }?.tensor : nil)
        guard let tensor else {
            throw FileError(path: path, underlying: VerificationError.input("holds \(file.tensors.count) arrays and none is named 'input'"))
        }
        guard tensor.rank == 4, tensor.shape[1] == 3, tensor.dtype.isFloatingPoint else {
            throw FileError(path: path, underlying: VerificationError.input("input must be NCHW float with 3 channels, found \(tensor.dtype.rawValue) \(tensor.shape)"))
        }
        return tensor
    }
}

/// Recorded activations, keyed by canonical feature name, each with the key the file used and
/// the transform (the table's `features:` row; `identity` for canonical names) that puts the
/// hub's output into the layout the array was recorded in.
enum ExpectedFeatures {
    typealias Entry = (key: String, tensor: Tensor, transform: String)

    static func load(path: String, model: CanonicalModel,
                     catalog: WeightPortMapping.MappingCatalog) throws -> [String: Entry] {
        let file = try WeightFileLoader.load(path: path)
        let table = try? catalog.table(model.convention)
        var out: [String: Entry] = [:]
        for (key, tensor) in file.tensors where key != "input" {
            let match = FeatureName.isKnown(key) ? (key, "identity") : table?.featureMatch(key, context: model.context)
            guard let (canonical, transform) = match else {
                throw FileError(path: path, underlying: VerificationError.unknownFeature(key, convention: model.convention))
            }
            if let previous = out[canonical] {
                throw FileError(path: path, underlying: VerificationError.duplicate(canonical, previous.key, key))
            }
            out[canonical] = (key, tensor, transform)
        }
        guard !out.isEmpty else { throw FileError(path: path, underlying: VerificationError.input("holds no activations")) }
        return out
    }
}

/// Problems with verify's inputs.
public enum VerificationError: Error, Sendable {
    case input(String)
    case unknownFeature(String, convention: String)
    case duplicate(String, String, String)
    case featureNotProduced(String)
}

extension VerificationError: Diagnostic {
    public var what: String {
        switch self {
        case .input(let message): return message
        case .unknownFeature(let key, let convention):
            return "'\(key)' is not an activation the network produces (canonical names: stem, res2…res5, p2…p7, logits, rpn.objectness.p2…, box.pooled, box.features, box.cls_score, box.bbox_pred, mask.pooled, mask.logits, keypoint.pooled, keypoint.logits; or \(convention)'s own feature names)"
        case .duplicate(let canonical, let a, let b): return "'\(a)' and '\(b)' both name \(canonical)"
        case .featureNotProduced(let name): return "the network does not produce '\(name)' for this architecture"
        }
    }
    public var location: String? { nil }
}
