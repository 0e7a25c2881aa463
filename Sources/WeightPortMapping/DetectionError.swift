import WeightPortCore

/// Why no single naming convention (or architecture) could be chosen for a file.
public enum DetectionError: Error, Sendable {
    case noConvention(best: [(String, Double)])
    case ambiguous([String])
    case unknownConvention(String, known: [String])
}

extension DetectionError: Diagnostic {
    public var what: String {
        switch self {
        case .noConvention(let best):
            let tried = best.map { "\($0.0) \(Int(($0.1 * 100).rounded()))%" }.joined(separator: ", ")
            return "tensor names match no known convention (best: \(tried))"
        case .ambiguous(let names):
            return "tensor names fit \(names.joined(separator: " and ")) equally well"
        case .unknownConvention(let name, let known):
            return "unknown convention '\(name)' (known: \(known.joined(separator: ", ")))"
        }
    }
    public var location: String? { nil }
}
