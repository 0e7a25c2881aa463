/// The canonical names of the activations the hub computes, in the order a forward pass
/// computes them (so the first failing one is the first divergence).
public enum FeatureName {
    /// The stem (after pool1), the four stages, the pyramid levels and a classifier's logits.
    public static let backbone = ["stem", "res2", "res3", "res4", "res5"]
    public static let pyramid = ["p2", "p3", "p4", "p5", "p6", "p7"]
    public static let logits = "logits"
    /// A GhostNet's features at output strides 4, 8, 16 and 32 (`c{k}` has stride 2^k): the last
    /// block at each stride, which feed a pyramid as ResNet's res2…res5 do.
    public static let strideLevels = ["c2", "c3", "c4", "c5"]

    /// Detection head outputs on the given boxes (`--boxes`) and the RPN's per-level maps; the
    /// CLI contract of `verify` (README): arrays in the hub's layout, background first.
    public static let heads = pyramid.flatMap { ["rpn.objectness.\($0)", "rpn.deltas.\($0)"] }
        + ["rpn.objectness", "rpn.deltas", "box.pooled", "box.features", "box.cls_score", "box.bbox_pred",
           "mask.pooled", "mask.logits", "keypoint.pooled", "keypoint.logits"]

    /// Every feature in computation order: backbone, pyramid, classifier, heads.
    public static let computationOrder = backbone + strideLevels + pyramid + [logits] + heads

    /// Stage feature of stage index `i` (res2 = 0).
    public static func stage(_ index: Int) -> String { "res\(index + 2)" }

    /// Pyramid level `l` (2…7).
    public static func level(_ level: Int) -> String { "p\(level)" }

    /// Whether `name` is a feature the hub knows.
    public static func isKnown(_ name: String) -> Bool { computationOrder.contains(name) }
}
