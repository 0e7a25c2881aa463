import WeightPortCore

/// Turns the tensors of one rule application from one side's slots into the other's.
///
/// Every transform is defined from the foreign side to the canonical side (`toCanonical`) and
/// back (`toForeign`). A direction that has to invent values (e.g. background box rows that a
/// detectron2 file never had) says so through `TransformOutcome.invented`.
public enum GroupTransform {
    /// Per-group facts a transform may need that no tensor carries (Caffe's per-layer eps).
    public struct Parameters: Sendable {
        public var eps: Double
        public init(eps: Double = 1e-5) { self.eps = eps }
    }

    public struct Outcome: Sendable {
        public var tensors: [String: Tensor]
        /// What the transform did to the values (invented, dropped, moved), for the report; the
        /// mapper attaches the tensor names.
        public var invented: [String] = []
        /// The slots the notes concern; nil for every slot.
        public var notedSlots: Set<String>? = nil
    }

    /// Foreign slots → canonical slots, by the transform a rule names.
    public static func toCanonical(_ name: String, _ slots: [String: Tensor], _ parameters: Parameters) throws(TransformError) -> Outcome {
        guard let transform = TransformRegistry.transform(named: name) else { throw .unknown(name) }
        return try transform.toCanonical(slots, parameters)
    }

    /// Canonical slots → foreign slots.
    public static func toForeign(_ name: String, _ slots: [String: Tensor], _ parameters: Parameters) throws(TransformError) -> Outcome {
        guard let transform = TransformRegistry.transform(named: name) else { throw .unknown(name) }
        return try transform.toForeign(slots, parameters)
    }

    /// The one tensor of a single-slot rule.
    static func single(_ slots: [String: Tensor]) throws(TransformError) -> Tensor {
        guard slots.count == 1, let tensor = slots.values.first else { throw .slots("identity", Array(slots.keys)) }
        return tensor
    }
}

/// Errors of tensor transforms.
public enum TransformError: Error, Sendable, Equatable {
    case unknown(String)
    case slots(String, [String])
    case shape(String)
}

extension TransformError: Diagnostic {
    public var what: String {
        switch self {
        case .unknown(let name): return "unknown transform '\(name)'"
        case .slots(let name, let slots): return "transform '\(name)' got slots \(slots.sorted())"
        case .shape(let message): return message
        }
    }
    public var location: String? { nil }
}
