/// Infers an `ArchitectureSpec` from parameter names and shapes under canonical names.
///
/// Read from the tensors: blocks per stage, block kind, stem (7×7 or deep, widths, conv1 bias),
/// res2 width, ResNeXt groups and width per group, norm kind (running statistics → BatchNorm),
/// body (`roi_heads.res5` → C4, `fpn_lateral*` → FPN), FPN channels, norm and top block, classes.
/// Not in any tensor, so taken from `defaults` (e.g. the source convention's semantics): stride
/// placement, pool1 rounding, avg-down shortcuts, dilation, norm eps, and GroupNorm vs affine
/// (both store only weight and bias: a `defaults.norm` of kind `group` is kept, otherwise affine).
public enum ArchitectureInference {
    /// - Parameter shapes: `(canonical name, shape)` pairs, e.g. from a mapped state dict.
    public static func infer(from shapes: [(String, [Int])], defaults: ArchitectureSpec? = nil) throws(ArchitectureError) -> ArchitectureSpec {
        let table = Dictionary(shapes, uniquingKeysWith: { first, _ in first })
        func fail(_ message: String) -> ArchitectureError { .inconsistent("cannot infer architecture: \(message)") }
        if table[GhostNetBackbone.prefix + "conv_stem.weight"] != nil { return try ghostNet(table, shapes: shapes, defaults: defaults) }
        let isC4 = table.keys.contains { $0.hasPrefix("roi_heads.res5.") }
        let blocks = try (2...5).map { stage throws(ArchitectureError) -> Int in
            let prefix = stage == 5 && isC4 ? "roi_heads.res5" : "res\(stage)"
            var count = 0
            while table["\(prefix).\(count).conv1.weight"] != nil { count += 1 }
            guard count > 0 else { throw fail("no blocks in \(prefix)") }
            return count
        }
        guard let firstConv1 = table["res2.0.conv1.weight"], let lastConv = table["res2.0.conv3.weight"] ?? table["res2.0.conv2.weight"],
              table["stem.conv1.weight"] != nil, firstConv1.count == 4, lastConv.count == 4 else {
            throw fail("stem.conv1 or res2.0 convs are missing")
        }
        let bottleneck = table["res2.0.conv3.weight"] != nil
        var spec = defaults ?? ArchitectureSpec(depth: 50, block: .bottleneck, blocksPerStage: blocks)
        spec.block = bottleneck ? .bottleneck : .basic
        spec.blocksPerStage = blocks
        spec.depth = inferredDepth(blocks: blocks, bottleneck: bottleneck)
        let deep = table["stem.conv3.weight"] != nil
        spec.stem = deep ? .deep : .conv7x7
        spec.stemWidths = (deep ? ["stem.conv1", "stem.conv2", "stem.conv3"] : ["stem.conv1"]).compactMap { table[$0 + ".weight"]?.first }
        spec.stemBias = table["stem.conv1.bias"] != nil
        spec.res2Channels = lastConv[0]
        if bottleneck, let conv2 = table["res2.0.conv2.weight"], conv2.count == 4, conv2[1] > 0 {
            spec.groups = conv2[0] / conv2[1]
            spec.widthPerGroup = conv2[1]
        } else {
            spec.groups = 1
        }
        spec.norm = inferredNorm(table, defaults: spec.norm)
        spec.body = isC4 ? .c4 : (table["fpn_lateral2.weight"] != nil ? .fpn : .c5)
        spec.fpn = spec.body == .fpn ? inferredPyramid(table, base: defaults?.fpn) : nil
        spec.classes = table["linear.weight"]?.first
        spec.deformable = inferredDeformable(table, prefixes: (2...5).map { $0 == 5 && isC4 ? "roi_heads.res5" : "res\($0)" },
                                             declared: defaults?.deformable)
        spec.heads = HeadInference.infer(table, pooledChannels: spec.fpn?.channels ?? spec.outputChannels(stage: 2),
                                         res5Channels: spec.outputChannels(stage: 3))
        try spec.validate()
        return spec
    }

    /// Which stages have offset convs (`res3.0.conv2_offset.weight`), and what their rows say:
    /// 27·g rows is DCNv2 with g groups, 18·g DCNv1. Rows both readings fit (54, 108: v2 with 2 or
    /// 4 groups, or v1 with 3 or 6) are read as DCNv2 — the published models with such widths are
    /// v2 — unless `declared` (from `--arch`, a config) says otherwise.
    static func inferredDeformable(_ table: [String: [Int]], prefixes: [String], declared: DeformableSpec?) -> DeformableSpec? {
        let stages = prefixes.map { prefix in table.keys.contains { $0.hasPrefix(prefix + ".") && $0.hasSuffix(".conv2_offset.weight") } }
        guard stages.contains(true) else { return nil }
        let rows = table.first { $0.key.hasSuffix(".conv2_offset.weight") }?.value.first ?? 18
        if let declared, declared.offsetRows() == rows { return DeformableSpec(stages: stages, modulated: declared.modulated, groups: declared.groups) }
        let modulated = rows % 27 == 0
        return DeformableSpec(stages: stages, modulated: modulated, groups: max(1, rows / (modulated ? 27 : 18)))
    }

    /// A GhostNet (`ghostnet.*` names) with the pyramid, heads and classifier its tensors show.
    static func ghostNet(_ table: [String: [Int]], shapes: [(String, [Int])], defaults: ArchitectureSpec?) throws(ArchitectureError) -> ArchitectureSpec {
        let prefix = GhostNetBackbone.prefix
        let ghost = shapes.filter { $0.0.hasPrefix(prefix) }.map { (String($0.0.dropFirst(prefix.count)), $0.1) }
        var spec = defaults ?? ArchitectureSpec(depth: 50, block: .bottleneck, blocksPerStage: [3, 4, 6, 3])
        spec.ghostnet = try GhostNetSpec.infer(from: ghost)
        spec.deformable = nil
        spec.classes = nil
        spec.body = table["fpn_lateral2.weight"] != nil ? .fpn : .c5
        spec.fpn = spec.body == .fpn ? inferredPyramid(table, base: defaults?.fpn) : nil
        spec.heads = HeadInference.infer(table, pooledChannels: spec.fpn?.channels ?? 256, res5Channels: spec.ghostnet?.finalChannels ?? 0)
        try spec.validate()
        return spec
    }

    static func inferredDepth(blocks: [Int], bottleneck: Bool) -> Int {
        let published = ArchitectureSpec.publishedDepths.first { $0.value.0 == (bottleneck ? .bottleneck : .basic) && $0.value.1 == blocks }
        return published?.key ?? (blocks.reduce(0, +) * (bottleneck ? 3 : 2) + 2)
    }

    /// The norm under `path` (`<conv>.norm`): statistics mean BatchNorm; weight and bias alone are
    /// affine unless `defaults` says GroupNorm.
    static func inferredNorm(_ table: [String: [Int]], path: String = "res2.0.conv1.norm", defaults: NormSpec) -> NormSpec {
        if table[path + ".running_mean"] != nil {
            return NormSpec(kind: .batch, eps: defaults.kind == .batch ? defaults.eps : 1e-5, groups: defaults.groups)
        }
        return defaults.kind == .group ? defaults : .affine
    }

    static func inferredPyramid(_ table: [String: [Int]], base: FeaturePyramidSpec?) -> FeaturePyramidSpec {
        var fpn = base ?? FeaturePyramidSpec()
        fpn.channels = table["fpn_lateral2.weight"]?.first ?? fpn.channels
        if let p6 = table["top_block.p6.weight"], p6.count == 4 {
            fpn.topBlock = p6[1] == fpn.channels ? .p6p7FromP5 : .p6p7FromC5
        } else if fpn.topBlock == .p6p7FromC5 || fpn.topBlock == .p6p7FromP5 {
            fpn.topBlock = .maxPool
        }
        fpn.norm = table["fpn_lateral2.norm.weight"] == nil
            ? nil : inferredNorm(table, path: "fpn_lateral2.norm", defaults: fpn.norm ?? .affine)
        return fpn
    }
}
