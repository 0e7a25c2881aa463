/// Detectron's C4 `v0up` mask branch before its deconv: an own copy of res5
/// (`roi_heads.mask_head.res5.{b}`, Detectron blobs `_[mask]_res5_{b}_*`) run on the mask RoIs
/// pooled from res4 (`mask_rcnn_heads.py` `add_ResNet_roi_conv5_head_for_masks`).
///
/// Unlike `v0upshare`, whose mask branch reuses the box head's res5 weights, these are weights
/// of their own. The blocks are res5's as the spec builds them (first block stride 2); at run time
/// `MRCNN.DILATION` (a head semantic) dilates every 3×3 and, when it is not 1, drops the stride
/// (Detectron `add_residual_block`: `stride = stride_init` only when `dilation == 1`).
public struct MaskRes5Head: HeadNode {
    /// Canonical prefix of the copy's blocks.
    public static let prefix = "roi_heads.mask_head.res5"

    public let blocks: [ResidualBlock]
    public var path: String { Self.prefix }
    public var parameters: [ParameterSpec] { blocks.flatMap(\.parameters) }
    public var convolutions: [ConvolutionLayer] { blocks.flatMap(\.convolutions) }
    /// Channels of the copy's output (what the mask deconv reads).
    public var outChannels: Int { blocks.last?.outChannels ?? 0 }

    public init(blocks: [ResidualBlock]) {
        self.blocks = blocks
    }
}
