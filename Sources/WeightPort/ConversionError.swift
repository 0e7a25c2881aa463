import WeightPortCore

/// Why a conversion, verification or export stopped.
public enum ConversionError: Error, Sendable {
    /// The weights do not fit the requested architecture.
    case architectureMismatch(String)
    /// Strict mode: tensors would be lost or invented; the summary lists them.
    case incomplete(String)
    case unsupportedOutput(String)
    case destinationExists
    case invalidOption(String)
}

extension ConversionError: Diagnostic {
    public var what: String {
        switch self {
        case .architectureMismatch(let message): return message
        case .incomplete(let summary): return summary
        case .unsupportedOutput(let message): return message
        case .destinationExists: return "already exists"
        case .invalidOption(let message): return message
        }
    }
    public var location: String? { nil }
}
