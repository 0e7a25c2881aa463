import WeightPortCore

/// Errors in an architecture name or spec.
public enum ArchitectureError: Error, Sendable, Equatable {
    /// The name does not follow `R|X-<depth>[-<g>x<w>d][-C4|-C5|-FPN][-RetinaNet|-P2only]`.
    case unparsableName(String, reason: String)
    /// Fields that contradict each other.
    case inconsistent(String)
}

extension ArchitectureError: Diagnostic {
    public var what: String {
        switch self {
        case .unparsableName(let name, let reason): return "cannot parse architecture '\(name)': \(reason)"
        case .inconsistent(let message): return "inconsistent architecture: \(message)"
        }
    }

    public var location: String? { nil }
}
