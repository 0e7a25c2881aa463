import WeightPortCore

/// Class scores with the background last (detectron2, mmdetection) ↔ the hub's background first.
enum BackgroundLastTransform: TensorTransform {
    static let name = "background_last"

    static func toCanonical(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        GroupTransform.Outcome(tensors: ["tensor": try ClassAxis.moveLastToFirst(try GroupTransform.single(slots))],
                               invented: ["background class moved from the last row to the first"])
    }

    static func toForeign(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        GroupTransform.Outcome(tensors: ["tensor": try ClassAxis.moveFirstToLast(try GroupTransform.single(slots))],
                               invented: ["background class moved from the first row to the last"])
    }
}
