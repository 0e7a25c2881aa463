/// Where things live in a WeightPort HDF5 bundle (DESIGN.md §8):
/// `/weights/<canonical path with dots as groups>` per tensor, provenance as root attributes,
/// the last verification under `/parity`.
public enum BundleLayout {
    /// Root attribute whose presence marks a file as a WeightPort bundle (value: layout version).
    public static let marker = "weightport_bundle"
    public static let version = 1
    public static let weightsGroup = "weights"
    public static let parityGroup = "parity"

    /// `res2.0.conv1.weight` → `weights/res2/0/conv1/weight`.
    public static func datasetPath(canonical name: String) -> String {
        weightsGroup + "/" + name.replacingOccurrences(of: ".", with: "/")
    }

    /// `weights/res2/0/conv1/weight` → `res2.0.conv1.weight`; nil for datasets outside `/weights`.
    public static func canonicalName(datasetPath path: String) -> String? {
        let prefix = weightsGroup + "/"
        guard path.hasPrefix(prefix) else { return nil }
        return path.dropFirst(prefix.count).replacingOccurrences(of: "/", with: ".")
    }
}
