import WeightPortCore
import WeightPortModels

/// Why a GhostNet piece cannot be built from the given values, or an input cannot be run.
public enum GhostNetError: Error, Sendable, Equatable {
    /// The state dict is not a GhostNet v1 (missing, unexpected or mis-shaped tensors).
    case architecture(ArchitectureError)
    /// A piece's values do not have the counts its shape needs.
    case parameter(String, reason: String)
    /// The input is not an NCHW map with 3 channels.
    case input(expected: String, found: [Int])
    /// OpenBLAS could not be loaded.
    case blas(String)
}

extension GhostNetError: Diagnostic {
    public var what: String {
        switch self {
        case .architecture(let error): return error.what
        case .parameter(let name, let reason): return "\(name): \(reason)"
        case .input(let expected, let found): return "input must be \(expected), got shape \(found)"
        case .blas(let message): return message
        }
    }

    public var location: String? {
        if case .parameter(let name, _) = self { return name }
        return nil
    }
}
