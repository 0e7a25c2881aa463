import WeightPortCore

/// A head output put into a framework's own layout, for comparing with activations recorded
/// under that framework's names (a table's `features:` row with a `transform:`).
///
/// The transforms are the predictor rules' own (`background_last`, `drop_background_box_rows`,
/// `drop_background_mask_channel`), run in the hub → framework direction. A weight's class axis
/// is its first; an activation `[N, C, …]` carries one class axis per RoI, so the transform runs
/// on each RoI's `[C, …]` slice: the background column moved last, the background box rows or
/// mask channel dropped.
public enum ActivationLayout {
    /// `values` (shape `[N, C, …]`, row-major) in the framework's layout, with its new shape.
    public static func toForeign(values: [Float], shape: [Int], transform name: String) throws(TransformError) -> (values: [Float], shape: [Int]) {
        guard let transform = TransformRegistry.transform(named: name) else { throw .unknown(name) }
        guard name != IdentityTransform.name else { return (values, shape) }
        guard shape.count >= 2, let rois = shape.first, rois > 0 else {
            throw .shape("an activation needs a RoI axis and a class axis, has shape \(shape)")
        }
        let itemShape = Array(shape.dropFirst())
        let itemCount = itemShape.reduce(1, *)
        var out: [Float] = []
        var outItemShape = itemShape
        for roi in 0..<rois {
            let slice = Array(values[(roi * itemCount)..<((roi + 1) * itemCount)])
            let result = try transform.toForeign(["tensor": Tensor(float32: slice, shape: itemShape)], GroupTransform.Parameters())
            guard let moved = result.tensors["tensor"] else { throw .slots(name, Array(result.tensors.keys)) }
            outItemShape = moved.shape
            out += moved.floats()
        }
        return (out, [rois] + outItemShape)
    }
}
