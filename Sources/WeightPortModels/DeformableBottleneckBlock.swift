/// A bottleneck whose 3×3 conv is deformable: an offset conv (`<block>.conv2_offset`, detectron2's
/// name, with bias) sees conv2's input with conv2's stride, padding and dilation; conv2 keeps its
/// weight (no bias) and norm.
enum DeformableBottleneckBlock: BlockKindBuilder {
    static let kind = ArchitectureSpec.BlockKind.bottleneck

    static func applies(to at: BlockPlacement) -> Bool {
        at.spec.block == .bottleneck && at.spec.deformable?.stages[at.stage] == true
    }

    static func build(_ at: BlockPlacement) -> ResidualBlock {
        var block = BottleneckBlock.build(at)
        guard let spec = at.spec.deformable, block.convs.count == 3 else { return block }
        let conv2 = block.convs[1]
        let offset = ConvolutionLayer(path: at.path + ".conv2_offset", inChannels: conv2.inChannels,
                                      outChannels: spec.offsetRows(kernel: conv2.kernel), kernel: conv2.kernel,
                                      stride: conv2.stride, padding: conv2.padding, dilation: conv2.dilation, hasBias: true)
        block.deformable = .init(offset: offset, modulated: spec.modulated, groups: spec.groups)
        return block
    }
}
