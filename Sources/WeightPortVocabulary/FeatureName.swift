/// The canonical names of the activations the hub computes, in the order a forward pass
/// computes them (so the first failing one is the first divergence).
public enum FeatureName {
    /// The stem (after pool1), the four stages, the pyramid levels and a classifier's logits.
    public static let backbone = ["stem", "res2", "res3", "res4", "res5"]
    public static let pyramid = ["p2", "p3", "p4", "p5", "p6", "p7"]
    public static let logits = "logits"

    /// Every backbone, pyramid and classifier feature in computation order.
    public static let computationOrder = backbone + pyramid + [logits]

    /// Stage feature of stage index `i` (res2 = 0).
    public static func stage(_ index: Int) -> String { "res\(index + 2)" }

    /// Pyramid level `l` (2…7).
    public static func level(_ level: Int) -> String { "p\(level)" }

    /// Whether `name` is a feature the hub knows.
    public static func isKnown(_ name: String) -> Bool { computationOrder.contains(name) }
}
