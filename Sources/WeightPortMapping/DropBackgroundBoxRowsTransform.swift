import WeightPortCore

/// Box deltas without background rows (4K, detectron2 / mmdetection) ↔ the hub's 4(K+1): the
/// background's four rows are zeros on the way in (no framework reads them) and dropped on the way out.
enum DropBackgroundBoxRowsTransform: TensorTransform {
    static let name = "drop_background_box_rows"

    static func toCanonical(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        ClassAxis.prependZeroRows(try GroupTransform.single(slots), rows: 4, what: "background box-regression rows")
    }

    static func toForeign(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        GroupTransform.Outcome(tensors: ["tensor": try ClassAxis.dropLeadingRows(try GroupTransform.single(slots), rows: 4)],
                               invented: ["background box-regression rows dropped (the target has none)"])
    }
}
