/// Names the part of a model a target convention cannot hold at all, from the canonical names it
/// has no rule for, so that a refusal says "torchvision has no deformable convolution" rather
/// than only listing tensors.
enum UnrepresentablePart {
    /// The canonical name fragments of whole node kinds, and what they are called.
    static let kinds: [(fragment: String, name: String)] = [
        (".conv2_offset.", "deformable convolution"),
        ("ghostnet.", "GhostNet backbone"),
        ("roi_heads.keypoint_head.", "keypoint head"),
        // Before the mask head: a name it matches is not also counted as the whole mask head.
        ("roi_heads.mask_head.res5.", "C4 mask branch with its own res5 (Detectron v0up)"),
        ("roi_heads.mask_head.", "mask head"),
    ]

    static func describe(_ canonicalNames: [String], in target: String) -> String? {
        var unclaimed = canonicalNames
        var parts: [String] = []
        for kind in kinds where unclaimed.contains(where: { $0.contains(kind.fragment) }) {
            parts.append(kind.name)
            unclaimed.removeAll { $0.contains(kind.fragment) }
        }
        return parts.isEmpty ? nil : "\(target) has no " + parts.joined(separator: " and no ")
    }
}
