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

    public static func toCanonical(_ name: String, _ slots: [String: Tensor], _ parameters: Parameters) throws(TransformError) -> Outcome {
        switch name {
        case "identity": return Outcome(tensors: ["tensor": try single(slots)])
        case "caffe_batchnorm": return try CaffeBatchNorm.toCanonical(slots, eps: parameters.eps)
        case "background_last":
            return Outcome(tensors: ["tensor": try ClassAxis.moveLastToFirst(try single(slots))],
                           invented: ["background class moved from the last row to the first"])
        case "drop_background_box_rows": return ClassAxis.prependZeroRows(try single(slots), rows: 4, what: "background box-regression rows")
        case "drop_background_mask_channel": return ClassAxis.prependZeroRows(try single(slots), rows: 1, what: "background mask channel")
        default: throw .unknown(name)
        }
    }

    public static func toForeign(_ name: String, _ slots: [String: Tensor], _ parameters: Parameters) throws(TransformError) -> Outcome {
        switch name {
        case "identity": return Outcome(tensors: ["tensor": try single(slots)])
        case "caffe_batchnorm": return try CaffeBatchNorm.toForeign(slots)
        case "background_last":
            return Outcome(tensors: ["tensor": try ClassAxis.moveFirstToLast(try single(slots))],
                           invented: ["background class moved from the first row to the last"])
        case "drop_background_box_rows":
            return Outcome(tensors: ["tensor": try ClassAxis.dropLeadingRows(try single(slots), rows: 4)],
                           invented: ["background box-regression rows dropped (the target has none)"])
        case "drop_background_mask_channel":
            return Outcome(tensors: ["tensor": try ClassAxis.dropLeadingRows(try single(slots), rows: 1)],
                           invented: ["background mask channel dropped (the target has none)"])
        default: throw .unknown(name)
        }
    }

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
