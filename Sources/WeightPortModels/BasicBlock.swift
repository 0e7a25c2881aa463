/// ResNet-18/34's block: two 3×3 convs.
enum BasicBlock: BlockKindBuilder {
    static let kind = ArchitectureSpec.BlockKind.basic

    static func build(_ at: BlockPlacement) -> ResidualBlock {
        at.block(convs: [at.conv("conv1", at.inChannels, at.outChannels, kernel: 3, stride: at.stride, dilation: at.dilation),
                         at.conv("conv2", at.outChannels, at.outChannels, kernel: 3, stride: 1, dilation: at.dilation)])
    }
}
