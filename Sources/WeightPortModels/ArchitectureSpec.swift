import WeightPortCore
import WeightPortVocabulary

/// Everything about a ResNet/ResNeXt backbone (+ FPN or classifier) that changes its numbers.
///
/// Parsed from and printed to the model zoos' names (`R-50-FPN`, `X-101-32x8d-FPN`, `R-50-C4`);
/// every field can be overridden afterwards, so reduced test models (few blocks, narrow widths)
/// run exactly the same code paths as the published ones. Widths double per stage, as in every
/// ResNet: stage `i` (res2 = 0) has `res2Channels << i` outputs and `groups * widthPerGroup << i`
/// bottleneck channels.
public struct ArchitectureSpec: Sendable, Equatable {
    public enum BlockKind: String, Codable, Sendable { case basic, bottleneck }
    /// `conv7x7`: one 7×7/2 conv; `deep`: three 3×3 convs, the first with stride 2 (ResNetV1c).
    public enum StemKind: String, Codable, Sendable { case conv7x7 = "7x7", deep }
    public typealias PoolRounding = WeightPortVocabulary.PoolRounding
    /// Projection shortcut: strided 1×1 conv, or 2×2 avg-pool then 1×1 conv (ResNetV1d `avg_down`).
    public enum ShortcutKind: String, Codable, Sendable { case conv, avgDown = "avg_down" }
    /// C4: res2–res4 in the backbone, res5 as the RoI head; C5: res2–res5; FPN: C5 + pyramid.
    public enum Body: String, Codable, Sendable { case c4 = "C4", c5 = "C5", fpn = "FPN" }

    /// Nominal depth (18, 34, 50, 101, 152); printed in the name only.
    public var depth: Int
    public var block: BlockKind
    /// Blocks in res2, res3, res4, res5.
    public var blocksPerStage: [Int]
    public var stem: StemKind
    /// Output channels of each stem conv: one for 7×7, three for deep.
    public var stemWidths: [Int]
    /// `conv1` has a bias (the R-50 MSRA Caffe model).
    public var stemBias: Bool
    public var stemPool: PoolRounding
    /// Output channels of res2 (256 for bottlenecks, 64 for basic blocks).
    public var res2Channels: Int
    /// Convolution groups of the bottleneck 3×3 (ResNeXt cardinality; 1 for ResNet).
    public var groups: Int
    /// Channels per group of res2's bottleneck 3×3 (64 for ResNet, e.g. 8 for X-101-32x8d).
    public var widthPerGroup: Int
    /// Stride on the first 1×1 (MSRA/Detectron `STRIDE_1X1`, mmdet `caffe`) instead of the 3×3.
    public var strideIn1x1: Bool
    public var shortcut: ShortcutKind
    /// Dilation of each stage's 3×3 convs; a dilated stage has stride 1.
    public var dilations: [Int]
    /// detectron2/mmdet dilate every block of a dilated stage; torchvision/timm keep the previous
    /// dilation in its first block.
    public var dilateFirstBlock: Bool
    public var norm: NormSpec
    public var body: Body
    /// Present exactly when `body == .fpn`.
    public var fpn: FeaturePyramidSpec?
    /// Classes of an ImageNet classifier (global average pool + `linear`) on res5; nil for none.
    public var classes: Int?
    /// Features the forward pass returns; nil returns all it computes.
    public var returnedFeatures: [String]?
    /// Detection heads (none for a backbone or classifier).
    public var heads = HeadsSpec()
    /// Deformable 3×3 convs per stage; nil for none.
    public var deformable: DeformableSpec?
    /// A GhostNet backbone instead of the ResNet the other fields describe (they are then unused);
    /// `body` is `.c5` (a classifier, if the file has one) or `.fpn` on its stride features.
    public var ghostnet: GhostNetSpec?

    /// Output channels of stage `index` (res2 = 0).
    public func outputChannels(stage index: Int) -> Int { res2Channels << index }

    /// Channels of the bottleneck's inner convs in stage `index`.
    public func bottleneckWidth(stage index: Int) -> Int { (groups * widthPerGroup) << index }

    /// Output channels of the stem.
    public var stemChannels: Int { stemWidths.last ?? 0 }

    /// Stride of the first block of stage `index`.
    public func stride(stage index: Int) -> Int {
        if dilations.indices.contains(index), dilations[index] > 1 { return 1 }
        return index == 0 ? 1 : 2
    }

    /// Checks the fields fit together, so building the tree cannot go wrong later.
    public func validate() throws(ArchitectureError) {
        // The message only when it is needed: interpolating the arrays for every check was 4%
        // of a conversion's name mapping (inference validates every spec it tries).
        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(ArchitectureError) {
            if !condition { throw .inconsistent(message()) }
        }
        try require(blocksPerStage.count == 4 && blocksPerStage.allSatisfy { $0 >= 1 },
                    "blocksPerStage must hold 4 positive counts, has \(blocksPerStage)")
        try require(dilations.count == 4 && dilations.allSatisfy { $0 >= 1 }, "dilations must hold 4 positive values")
        try require(stemWidths.count == (stem == .deep ? 3 : 1) && stemWidths.allSatisfy { $0 > 0 },
                    "stem \(stem.rawValue) needs \(stem == .deep ? 3 : 1) positive widths, has \(stemWidths)")
        try require(res2Channels > 0 && groups > 0 && widthPerGroup > 0, "widths and groups must be positive")
        try require(block == .bottleneck || groups == 1, "basic blocks have no groups")
        try require((body == .fpn) == (fpn != nil), "an FPN body needs exactly one fpn spec")
        try require(norm.kind != .group || norm.groups > 0, "GroupNorm needs positive groups")
        try require(body != .c4 || classes == nil, "a C4 body has no classifier")
        if let deformable {
            try require(deformable.stages.count == 4 && deformable.groups > 0, "deformable needs 4 stage flags and positive groups")
            try require(block == .bottleneck || !deformable.stages.contains(true), "deformable convs need bottleneck blocks")
        }
        try require(returnedFeatures?.allSatisfy(FeatureName.isKnown) ?? true,
                    "returnedFeatures must be among \(FeatureName.computationOrder)")
    }
}
