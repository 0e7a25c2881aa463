import WeightPortCore
import WeightPortModels

/// Why a state dict could not be turned into a runnable model, or an input could not be run.
public enum LoadError: Error, Sendable, Equatable {
    /// A parameter whose shape differs from the architecture's.
    public typealias ShapeMismatch = ParameterCheck.ShapeMismatch

    /// The state dict does not match the architecture's parameters one to one.
    case parameters(missing: [String], unexpected: [String], mismatched: [ShapeMismatch])
    /// The spec itself is inconsistent.
    case architecture(ArchitectureError)
    /// The input is not an NCHW map with the stem's channels.
    case input(expected: String, found: [Int])
    /// The BLAS library could not be loaded.
    case blas(String)
    /// A head could not run on the given boxes or settings.
    case head(HeadOpError)
}

extension LoadError: Diagnostic {
    public var what: String {
        switch self {
        case .parameters(let missing, let unexpected, let mismatched):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing (\(Self.list(missing)))") }
            if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected (\(Self.list(unexpected)))") }
            if !mismatched.isEmpty {
                let shown = mismatched.prefix(3).map { "\($0.path) \($0.expected) vs \($0.found)" }
                parts.append("\(mismatched.count) with wrong shape (\(shown.joined(separator: ", "))\(mismatched.count > 3 ? ", …" : ""))")
            }
            return "parameters do not match the architecture: " + parts.joined(separator: "; ")
        case .architecture(let error): return error.what
        case .input(let expected, let found): return "input must be \(expected), got shape \(found)"
        case .blas(let message): return message
        case .head(let error): return error.what
        }
    }

    public var location: String? {
        switch self {
        case .parameters(let missing, _, let mismatched): return (missing.first ?? mismatched.first?.path).map { "parameter \($0)" }
        case .head(let error): return error.location
        case .architecture, .input, .blas: return nil
        }
    }

    private static func list(_ names: [String]) -> String {
        names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", …" : "")
    }
}
