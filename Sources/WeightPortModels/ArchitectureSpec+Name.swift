import Foundation

extension ArchitectureSpec {
    /// Blocks per stage of the published depths.
    static let publishedDepths: [Int: (BlockKind, [Int])] = [
        18: (.basic, [2, 2, 2, 2]), 34: (.basic, [3, 4, 6, 3]),
        50: (.bottleneck, [3, 4, 6, 3]), 101: (.bottleneck, [3, 4, 23, 3]), 152: (.bottleneck, [3, 8, 36, 3]),
    ]

    /// Parses a model-zoo name: `R-50`, `R-50-C4`, `R-101-FPN`, `X-101-32x8d-FPN`, `R-50-FPN-RetinaNet`,
    /// `R-50-FPN-P2only`, `R-18` (a bare name is a C5 body).
    ///
    /// What no name says takes the Detectron defaults: stride on the 1×1 for `R` (MSRA weights) and on
    /// the 3×3 for `X` (Detectron's ResNeXt models), 7×7 stem with PyTorch pooling, conv shortcuts,
    /// BatchNorm with eps 1e-5 (override `norm` for affine or GroupNorm sources), no dilation,
    /// FPN with 256 channels and P6 by max-pool (`RetinaNet`: P6/P7 convolutions from C5).
    public init(name: String) throws(ArchitectureError) {
        var parts = name.split(separator: "-").map(String.init)
        func fail(_ reason: String) -> ArchitectureError { .unparsableName(name, reason: reason) }
        if parts.first == "GhostNet" {
            try self.init(ghostNetName: parts, fail: fail)
            return
        }
        guard parts.count >= 2, parts[0] == "R" || parts[0] == "X" else { throw fail("expected 'R-' or 'X-' first") }
        let resnext = parts.removeFirst() == "X"
        guard let depth = Int(parts.removeFirst()), let (block, blocks) = Self.publishedDepths[depth] else {
            throw fail("depth must be one of \(Self.publishedDepths.keys.sorted())")
        }
        var groups = 1, width = 64
        if resnext {
            guard block == .bottleneck, let first = parts.first, let (g, w) = Self.parseCardinality(first) else {
                throw fail("ResNeXt needs '<groups>x<width>d' after the depth")
            }
            (groups, width) = (g, w)
            parts.removeFirst()
        }
        self.init(depth: depth, block: block, blocksPerStage: blocks, groups: groups, widthPerGroup: width,
                  strideIn1x1: !resnext)
        try applyNameSuffixes(parts, fail: fail)
    }

    private mutating func applyNameSuffixes(_ parts: [String], fail: (String) -> ArchitectureError) throws(ArchitectureError) {
        var rest = parts[...]
        if let body = rest.first.flatMap(Body.init(rawValue:)) {
            self.body = body
            if body == .fpn { fpn = FeaturePyramidSpec() }
            rest = rest.dropFirst()
        }
        if let option = rest.first, option == "RetinaNet" || option == "P2only" {
            guard body == .fpn else { throw fail("'\(option)' needs an FPN body") }
            if option == "RetinaNet" { fpn?.topBlock = .p6p7FromC5 } else { fpn?.onlyP2 = true }
            rest = rest.dropFirst()
        }
        if let option = rest.first, option == "DCN" || option == "DCNv2" {
            rest = rest.dropFirst()
            guard let stages = rest.first.flatMap(Self.parseStages) else { throw fail("\(option) needs its stages, e.g. \(option)-c3c5") }
            rest = rest.dropFirst()
            var groups = 1
            if let g = rest.first, g.hasPrefix("g") {
                guard let value = Int(g.dropFirst()), value > 0 else { throw fail("bad deformable groups '\(g)'") }
                groups = value
                rest = rest.dropFirst()
            }
            deformable = DeformableSpec(stages: stages, modulated: option == "DCNv2", groups: groups)
        }
        if let extra = rest.first { throw fail("unexpected '\(extra)'") }
    }

    /// `GhostNet-1.0` (ghostnet_100, a classifier), `GhostNet-0.5-FPN` (its stride features under a pyramid).
    private init(ghostNetName parts: [String], fail: (String) -> ArchitectureError) throws(ArchitectureError) {
        guard parts.count >= 2, let width = Double(parts[1]), width > 0, width <= 4 else {
            throw fail("GhostNet needs its width multiplier, e.g. GhostNet-1.0")
        }
        self.init(depth: 50, block: .bottleneck, blocksPerStage: [3, 4, 6, 3])
        let fpn = parts.count == 3 && parts[2] == "FPN"
        guard parts.count == 2 || fpn else { throw fail("unexpected '\(parts[2...].joined(separator: "-"))'") }
        ghostnet = GhostNetSpec.v1(width: width, classes: fpn ? nil : 1000, headChannels: fpn ? nil : 1280)
        body = fpn ? .fpn : .c5
        self.fpn = fpn ? FeaturePyramidSpec() : nil
    }

    /// `c3c5` (res3 to res5), `c5` (res5 alone) or `c3+c5` (those stages only).
    private static func parseStages(_ text: String) -> [Bool]? {
        let listed = text.contains("+")
        let parts = listed ? text.split(separator: "+").map(String.init) : [text]
        var numbers: [Int] = []
        for part in parts {
            let values = part.split(separator: "c", omittingEmptySubsequences: true).compactMap { Int($0) }
            guard part.hasPrefix("c"), !values.isEmpty, values.count == part.filter({ $0 == "c" }).count,
                  values.allSatisfy({ (2...5).contains($0) }), !listed || values.count == 1 else { return nil }
            numbers += values
        }
        guard listed || numbers.count <= 2, let low = numbers.min(), let high = numbers.max() else { return nil }
        return (2...5).map { listed ? numbers.contains($0) : (low...high).contains($0) }
    }

    private static func parseCardinality(_ text: String) -> (Int, Int)? {
        guard text.hasSuffix("d") else { return nil }
        let numbers = text.dropLast().split(separator: "x")
        guard numbers.count == 2, let groups = Int(numbers[0]), let width = Int(numbers[1]), groups > 0, width > 0 else {
            return nil
        }
        return (groups, width)
    }

    /// A spec with published widths for `depth`; other fields take the defaults documented on `init(name:)`.
    public init(depth: Int, block: BlockKind, blocksPerStage: [Int], groups: Int = 1, widthPerGroup: Int = 64,
                strideIn1x1: Bool = true) {
        self.depth = depth
        self.block = block
        self.blocksPerStage = blocksPerStage
        stem = .conv7x7
        stemWidths = [64]
        stemBias = false
        stemPool = .pytorch
        res2Channels = block == .bottleneck ? 256 : 64
        self.groups = groups
        self.widthPerGroup = widthPerGroup
        self.strideIn1x1 = strideIn1x1
        shortcut = .conv
        dilations = [1, 1, 1, 1]
        dilateFirstBlock = true
        norm = .batch
        body = .c5
        fpn = nil
        classes = nil
        returnedFeatures = nil
    }

    /// The model-zoo name of this family (`X-101-32x8d-FPN`); reduced widths and other overrides are
    /// not part of a name.
    public var name: String {
        if let ghostnet {
            let width = ghostnet.width.map { String(format: "%g", $0) } ?? "custom"
            return "GhostNet-\(width)" + (body == .fpn ? "-FPN" : "")
        }
        var text = groups > 1 ? "X-\(depth)-\(groups)x\(widthPerGroup)d" : "R-\(depth)"
        switch body {
        case .c4: text += "-C4"
        case .c5: if classes == nil { text += "-C5" }
        case .fpn: text += "-FPN"
        }
        if let fpn {
            if fpn.topBlock == .p6p7FromC5 || fpn.topBlock == .p6p7FromP5 { text += "-RetinaNet" }
            if fpn.onlyP2 { text += "-P2only" }
        }
        if let deformable { text += "-" + deformable.nameSuffix }
        return text
    }
}
