import WeightPortCore

/// Why a deformable convolution cannot be built or run with the given tensors.
public enum DeformableConvolutionError: Error, Sendable, Equatable {
    /// Inconsistent construction parameters (channel counts, groups, weight count).
    case parameters(String)
    /// The input does not have the conv's input channels.
    case input(expected: Int, found: [Int])
    /// The offset map is not `[N, 2·deformableGroups·k·k, outH, outW]`.
    case offset(expected: [Int], found: [Int])
    /// The mask map is not `[N, deformableGroups·k·k, outH, outW]`.
    case mask(expected: [Int], found: [Int])
    /// An offset conv's output cannot be split by the named rule (see `ModulatedOffsetSplit`).
    case split(rule: String, reason: String)
    /// OpenBLAS could not be loaded.
    case blas(String)
}

extension DeformableConvolutionError: Diagnostic {
    public var what: String {
        switch self {
        case .parameters(let message): return "deformable convolution: \(message)"
        case .input(let expected, let found): return "deformable convolution expects \(expected) input channels, got shape \(found)"
        case .offset(let expected, let found): return "deformable convolution offsets must have shape \(expected), got \(found)"
        case .mask(let expected, let found): return "deformable convolution mask must have shape \(expected), got \(found)"
        case .split(let rule, let reason): return "cannot split the offset conv's output by the \(rule) rule: \(reason)"
        case .blas(let message): return message
        }
    }

    public var location: String? { nil }
}
