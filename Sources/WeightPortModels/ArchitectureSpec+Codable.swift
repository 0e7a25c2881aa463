extension ArchitectureSpec: Codable {
    enum CodingKeys: String, CodingKey {
        case name, depth, block, blocksPerStage, stem, stemWidths, stemBias, stemPool, res2Channels, groups
        case widthPerGroup, strideIn1x1, shortcut, dilations, dilateFirstBlock, norm, body, fpn, classes
        case returnedFeatures, heads, deformable, ghostnet
    }

    /// Starts from `name` (default `R-50`) and overrides every field the JSON holds, so a file may say
    /// just `{"name": "R-50-FPN", "blocksPerStage": [1, 1, 1, 1]}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let written = try c.decodeIfPresent(String.self, forKey: .name) ?? "R-50"
        // A GhostNet spec spells its structure in `ghostnet`; its ResNet fields are R-50's defaults.
        let name = written.hasPrefix("GhostNet") ? "R-50" : written
        do {
            self = try ArchitectureSpec(name: name)
        } catch {
            // Reduced-depth specs (`R-17-FPN`) have names no model zoo uses; they decode when the
            // structure is spelled out field by field, which every encoded spec does.
            guard c.contains(.block), c.contains(.blocksPerStage), c.contains(.depth) else { throw error }
            self = try ArchitectureSpec(name: "R-50")
            if let body = try c.decodeIfPresent(Body.self, forKey: .body), body == .fpn { fpn = FeaturePyramidSpec() }
        }
        func override<T: Decodable>(_ field: inout T, _ key: CodingKeys) throws {
            if let value = try c.decodeIfPresent(T.self, forKey: key) { field = value }
        }
        try override(&depth, .depth)
        try override(&block, .block)
        try override(&blocksPerStage, .blocksPerStage)
        try override(&stem, .stem)
        try override(&stemWidths, .stemWidths)
        try override(&stemBias, .stemBias)
        try override(&stemPool, .stemPool)
        try override(&res2Channels, .res2Channels)
        try override(&groups, .groups)
        try override(&widthPerGroup, .widthPerGroup)
        try override(&strideIn1x1, .strideIn1x1)
        try override(&shortcut, .shortcut)
        try override(&dilations, .dilations)
        try override(&dilateFirstBlock, .dilateFirstBlock)
        try override(&norm, .norm)
        try override(&body, .body)
        if c.contains(.fpn) { fpn = try c.decodeIfPresent(FeaturePyramidSpec.self, forKey: .fpn) }
        if c.contains(.classes) { classes = try c.decodeIfPresent(Int.self, forKey: .classes) }
        if c.contains(.returnedFeatures) { returnedFeatures = try c.decodeIfPresent([String].self, forKey: .returnedFeatures) }
        if let heads = try c.decodeIfPresent(HeadsSpec.self, forKey: .heads) { self.heads = heads }
        if c.contains(.deformable) { deformable = try c.decodeIfPresent(DeformableSpec.self, forKey: .deformable) }
        if c.contains(.ghostnet) { ghostnet = try c.decodeIfPresent(GhostNetSpec.self, forKey: .ghostnet) }
        try validate()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(depth, forKey: .depth)
        try c.encode(block, forKey: .block)
        try c.encode(blocksPerStage, forKey: .blocksPerStage)
        try c.encode(stem, forKey: .stem)
        try c.encode(stemWidths, forKey: .stemWidths)
        try c.encode(stemBias, forKey: .stemBias)
        try c.encode(stemPool, forKey: .stemPool)
        try c.encode(res2Channels, forKey: .res2Channels)
        try c.encode(groups, forKey: .groups)
        try c.encode(widthPerGroup, forKey: .widthPerGroup)
        try c.encode(strideIn1x1, forKey: .strideIn1x1)
        try c.encode(shortcut, forKey: .shortcut)
        try c.encode(dilations, forKey: .dilations)
        try c.encode(dilateFirstBlock, forKey: .dilateFirstBlock)
        try c.encode(norm, forKey: .norm)
        try c.encode(body, forKey: .body)
        try c.encodeIfPresent(fpn, forKey: .fpn)
        try c.encodeIfPresent(classes, forKey: .classes)
        try c.encodeIfPresent(returnedFeatures, forKey: .returnedFeatures)
        if !heads.isEmpty { try c.encode(heads, forKey: .heads) }
        try c.encodeIfPresent(deformable, forKey: .deformable)
        try c.encodeIfPresent(ghostnet, forKey: .ghostnet)
    }
}
