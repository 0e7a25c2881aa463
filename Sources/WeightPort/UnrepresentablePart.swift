/// Names the part of a model a target convention cannot hold at all, from the canonical names it
/// has no rule for, so that a refusal says "torchvision has no deformable convolution" rather
/// than only listing tensors.
enum UnrepresentablePart {
    /// The canonical name fragments of whole node kinds, and what they are called.
    static let kinds: [(fragment: String, name: String)] = [
        (".conv2_offset.", "deformable convolution"),
        ("ghostnet.", "GhostNet backbone"),
        ("roi_heads.keypoint_head.", "keypoint head"),
        ("roi_heads.mask_head.", "mask head"),
    ]

    static func describe(_ canonicalNames: [String], in target: String) -> String? {
        let parts = kinds.filter { kind in canonicalNames.contains { $0.contains(kind.fragment) } }.map(\.name)
        return parts.isEmpty ? nil : "\(target) has no " + parts.joined(separator: " and no ")
    }
}
