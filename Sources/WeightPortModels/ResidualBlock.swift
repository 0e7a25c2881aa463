/// One residual block: convs `conv1…conv3` (basic blocks have two), optional projection shortcut;
/// `relu(convs(x) + shortcut(x))`. Which convs a block has is its kind's business (`BlockKinds`).
public struct ResidualBlock: ModelNode, Equatable {
    /// Canonical path, e.g. `res3.0` (or `roi_heads.res5.0` for a C4 head).
    public var path: String
    public var kind: ArchitectureSpec.BlockKind
    /// The main branch in order; ReLU follows each but the last, which is added to the shortcut first.
    public var convs: [ConvolutionLayer]
    /// The projection shortcut (`<path>.shortcut`), nil for identity.
    public var shortcut: ConvolutionLayer?
    /// Stride of the 2×2 avg-pool before the shortcut conv (`avg_down`); 1 when there is none.
    public var shortcutPoolStride: Int
    /// The stage's feature (`res3`) when this is its last block.
    public var emits: [String] = []
    /// conv2's offset conv when conv2 is deformable.
    public var deformable: Deformable?

    /// What makes conv2 deformable: its offset conv and how its rows split.
    public struct Deformable: Sendable, Equatable {
        public var offset: ConvolutionLayer
        public var modulated: Bool
        public var groups: Int
    }

    public var inChannels: Int { convs.first?.inChannels ?? 0 }
    public var outChannels: Int { convs.last?.outChannels ?? 0 }
    public var convolutions: [ConvolutionLayer] {
        // detectron2's order: conv1, conv2_offset, conv2, conv3, shortcut.
        var layers = convs
        if let deformable { layers.insert(deformable.offset, at: 1) }
        return layers + (shortcut.map { [$0] } ?? [])
    }
    public var parameters: [ParameterSpec] { convolutions.flatMap(\.parameters) }
}

/// Where block `index` of stage `stage` sits, and the settings every block kind shares.
public struct BlockPlacement: Sendable {
    public let spec: ArchitectureSpec
    public let stage: Int
    public let index: Int
    public let inChannels: Int
    /// Canonical path of the block (`res3.0`).
    public let path: String

    /// Output channels of the block.
    public var outChannels: Int { spec.outputChannels(stage: stage) }
    /// The block's stride (its stage's, on the first block only).
    public var stride: Int { index == 0 ? spec.stride(stage: stage) : 1 }
    /// Dilation of the block's 3×3 convs: detectron2/mmdet dilate every block of a dilated stage,
    /// torchvision/timm keep the previous stage's dilation in its first block.
    public var dilation: Int {
        let previous = stage == 0 ? 1 : spec.dilations[stage - 1]
        return index == 0 && !spec.dilateFirstBlock ? previous : spec.dilations[stage]
    }

    /// A conv of this block, named `<path>.<name>`, with the model's norm.
    public func conv(_ name: String, _ cin: Int, _ cout: Int, kernel: Int, stride: Int, dilation: Int = 1,
                     groups: Int = 1) -> ConvolutionLayer {
        ConvolutionLayer(path: "\(path).\(name)", inChannels: cin, outChannels: cout, kernel: kernel, stride: stride,
                         padding: kernel == 3 ? dilation : 0, dilation: dilation, groups: groups, norm: spec.norm)
    }

    /// The block with `convs` as its main branch and the projection shortcut every kind shares.
    public func block(convs: [ConvolutionLayer]) -> ResidualBlock {
        let needsProjection = index == 0 && (inChannels != outChannels || stride != 1)
        let avgDown = spec.shortcut == .avgDown && stride > 1
        let shortcut = needsProjection
            ? conv("shortcut", inChannels, outChannels, kernel: 1, stride: avgDown ? 1 : stride) : nil
        return ResidualBlock(path: path, kind: spec.block, convs: convs, shortcut: shortcut,
                             shortcutPoolStride: needsProjection && avgDown ? stride : 1)
    }
}
