import WeightPortCore

/// Mask logits without a background channel (K, detectron2 / mmdetection) ↔ the hub's K+1.
enum DropBackgroundMaskChannelTransform: TensorTransform {
    static let name = "drop_background_mask_channel"

    static func toCanonical(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        ClassAxis.prependZeroRows(try GroupTransform.single(slots), rows: 1, what: "background mask channel")
    }

    static func toForeign(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        GroupTransform.Outcome(tensors: ["tensor": try ClassAxis.dropLeadingRows(try GroupTransform.single(slots), rows: 1)],
                               invented: ["background mask channel dropped (the target has none)"])
    }
}
