/// A C4 detector's RoI head: RoIs pooled from res4 run through res5 (`roi_heads.res5`, the
/// stage's own blocks and parameters), then an average pool feeds the box predictor; the mask
/// head (`v0upshare`) upsamples the same res5 output.
///
/// The parameters belong to the res5 stage node, so this node owns none: it only tells the
/// forward pass that res5 runs on RoIs, not only on the whole image.
public struct C4RoIHead: HeadNode {
    public let blocks: [ResidualBlock]
    /// Whether the mask head (`v0upshare`) reads these blocks' output: Detectron recomputes them
    /// on the mask RoIs with `MRCNN.DILATION`, so a dilation other than 1 runs them a second time.
    public var feedsMask: Bool

    public init(blocks: [ResidualBlock], feedsMask: Bool = false) {
        self.blocks = blocks
        self.feedsMask = feedsMask
    }
    public var path: String { "roi_heads.res5" }
    public var parameters: [ParameterSpec] { [] }
    public var emits: [String] { ["box.pooled", "box.features"] }
    /// Channels of res5's output (what the predictor and the mask deconv read).
    public var outChannels: Int { blocks.last?.outChannels ?? 0 }
}
