import WeightPortCore

/// One tensor, unchanged (the rule a table row has when it names no transform).
enum IdentityTransform: TensorTransform {
    static let name = "identity"

    static func toCanonical(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        GroupTransform.Outcome(tensors: ["tensor": try GroupTransform.single(slots)])
    }

    static func toForeign(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        GroupTransform.Outcome(tensors: ["tensor": try GroupTransform.single(slots)])
    }
}
