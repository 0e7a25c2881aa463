/// Deformable convolution in the bottlenecks' 3×3 convs (maskrcnn-benchmark `STAGE_WITH_DCN`,
/// detectron2 `DEFORM_ON_PER_STAGE`, mmdetection `stage_with_dcn`; HEADS.md §6).
public struct DeformableSpec: Codable, Sendable, Equatable {
    /// res2…res5: whether the stage's blocks have a deformable conv2.
    public var stages: [Bool]
    /// DCNv2: the offset conv also predicts a sigmoid mask (a third of its rows).
    public var modulated: Bool
    /// Deformable groups: each has its own offsets (and mask).
    public var groups: Int

    public init(stages: [Bool], modulated: Bool, groups: Int = 1) {
        self.stages = stages
        self.modulated = modulated
        self.groups = groups
    }

    /// Rows of the offset conv for a k×k kernel: (2 or 3)·groups·k².
    public func offsetRows(kernel: Int = 3) -> Int { (modulated ? 3 : 2) * groups * kernel * kernel }

    /// The `--arch` suffix: `DCN-c3c5`, `DCNv2-c3c5-g4`. Stages as model zoos write them: `c3c5`
    /// is res3 to res5, `c5` res5 alone, and stages that are not contiguous are joined by `+` (`c3+c5`).
    public var nameSuffix: String {
        let on = stages.indices.filter { stages[$0] }.map { $0 + 2 }
        let contiguous = on.count > 1 && on == Array((on.first ?? 0)...(on.last ?? 0))
        let range = contiguous ? "c\(on.first ?? 0)c\(on.last ?? 0)" : on.map { "c\($0)" }.joined(separator: "+")
        return (modulated ? "DCNv2" : "DCN") + "-" + range + (groups > 1 ? "-g\(groups)" : "")
    }
}
