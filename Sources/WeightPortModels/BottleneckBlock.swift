/// ResNet-50+/ResNeXt's block: 1×1 reduce, 3×3 (grouped for ResNeXt), 1×1 expand; the stride sits
/// on the first 1×1 (MSRA/Caffe2) or on the 3×3 (torchvision) as the spec says.
enum BottleneckBlock: BlockKindBuilder {
    static let kind = ArchitectureSpec.BlockKind.bottleneck

    static func build(_ at: BlockPlacement) -> ResidualBlock {
        let width = at.spec.bottleneckWidth(stage: at.stage)
        let (stride1x1, stride3x3) = at.spec.strideIn1x1 ? (at.stride, 1) : (1, at.stride)
        return at.block(convs: [
            at.conv("conv1", at.inChannels, width, kernel: 1, stride: stride1x1),
            at.conv("conv2", width, width, kernel: 3, stride: stride3x3, dilation: at.dilation, groups: at.spec.groups),
            at.conv("conv3", width, at.outChannels, kernel: 1, stride: 1),
        ])
    }
}
