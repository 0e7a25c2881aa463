import WeightPortModels

/// A res5 stage run on RoI features, at the dilation a head semantic asks for.
///
/// Detectron builds a mask branch's res5 (`add_ResNet_roi_conv5_head_for_masks`, for `v0up` and,
/// at test time, `v0upshare`) with `MRCNN.DILATION`: every 3×3 is dilated (padding = dilation),
/// and `add_residual_block` keeps `stride_init` only when the dilation is 1, so a dilated copy has
/// stride 1 throughout (14×14 RoIs stay 14×14). The blocks come from the tree at dilation 1;
/// another dilation rebuilds them with the same parameters.
struct RoIStage {
    let blocks: [ResidualBlock]
    let parameters: ParameterSource
    /// The blocks as the tree built them, folded once.
    let plain: [ReferenceBlock]

    init(_ blocks: [ResidualBlock], parameters: ParameterSource) {
        self.blocks = blocks.map { block in
            var block = block
            block.emits = []
            return block
        }
        self.parameters = parameters
        plain = self.blocks.map { ReferenceBlock($0, parameters: parameters) }
    }

    /// The stage's output on `x` (N RoIs) with its 3×3s dilated by `dilation`.
    func apply(_ x: FeatureMap, dilation: Int, pool: BufferPool) -> FeatureMap {
        let runnable = dilation == 1 ? plain : blocks.map { ReferenceBlock(Self.dilated($0, by: dilation), parameters: parameters) }
        var y = x
        for block in runnable { y = block.apply(y, pool: pool) }
        return y
    }

    /// `block` with every 3×3 dilated (padding = dilation) and no stride anywhere.
    static func dilated(_ block: ResidualBlock, by dilation: Int) -> ResidualBlock {
        var block = block
        block.convs = block.convs.map { conv in
            var conv = conv
            conv.stride = 1
            if conv.kernel == 3 {
                conv.dilation = dilation
                conv.padding = dilation
            }
            return conv
        }
        block.shortcut = block.shortcut.map { conv in
            var conv = conv
            conv.stride = 1
            return conv
        }
        block.shortcutPoolStride = 1
        return block
    }
}
