/// One residual block: convs `conv1…conv3` (basic blocks have two), optional projection shortcut.
public struct ResidualBlock: Sendable, Equatable {
    /// Canonical path, e.g. `res3.0` (or `roi_heads.res5.0` for a C4 head).
    public var path: String
    public var kind: ArchitectureSpec.BlockKind
    /// The main branch in order; ReLU follows each but the last, which is added to the shortcut first.
    public var convs: [ConvolutionLayer]
    /// The projection shortcut (`<path>.shortcut`), nil for identity.
    public var shortcut: ConvolutionLayer?
    /// Stride of the 2×2 avg-pool before the shortcut conv (`avg_down`); 1 when there is none.
    public var shortcutPoolStride: Int

    public var inChannels: Int { convs.first?.inChannels ?? 0 }
    public var outChannels: Int { convs.last?.outChannels ?? 0 }

    public var parameters: [ParameterSpec] {
        convs.flatMap(\.parameters) + (shortcut?.parameters ?? [])
    }

    /// Builds block `index` of stage `stage` (res2 = 0) of `spec`, receiving `inChannels` channels.
    init(spec: ArchitectureSpec, stage: Int, index: Int, inChannels: Int, prefix: String) {
        let path = "\(prefix).\(index)"
        self.path = path
        kind = spec.block
        let out = spec.outputChannels(stage: stage)
        let stride = index == 0 ? spec.stride(stage: stage) : 1
        let previousDilation = stage == 0 ? 1 : spec.dilations[stage - 1]
        let dilation = index == 0 && !spec.dilateFirstBlock ? previousDilation : spec.dilations[stage]
        func conv(_ name: String, _ cin: Int, _ cout: Int, kernel: Int, stride: Int, dilation: Int = 1,
                  groups: Int = 1) -> ConvolutionLayer {
            ConvolutionLayer(path: "\(path).\(name)", inChannels: cin, outChannels: cout, kernel: kernel, stride: stride,
                             padding: kernel == 3 ? dilation : 0, dilation: dilation, groups: groups, norm: spec.norm)
        }
        switch spec.block {
        case .basic:
            convs = [conv("conv1", inChannels, out, kernel: 3, stride: stride, dilation: dilation),
                     conv("conv2", out, out, kernel: 3, stride: 1, dilation: dilation)]
        case .bottleneck:
            let width = spec.bottleneckWidth(stage: stage)
            let (stride1x1, stride3x3) = spec.strideIn1x1 ? (stride, 1) : (1, stride)
            convs = [conv("conv1", inChannels, width, kernel: 1, stride: stride1x1),
                     conv("conv2", width, width, kernel: 3, stride: stride3x3, dilation: dilation, groups: spec.groups),
                     conv("conv3", width, out, kernel: 1, stride: 1)]
        }
        let needsProjection = index == 0 && (inChannels != out || stride != 1)
        let avgDown = spec.shortcut == .avgDown && stride > 1
        shortcut = needsProjection ? conv("shortcut", inChannels, out, kernel: 1, stride: avgDown ? 1 : stride) : nil
        shortcutPoolStride = needsProjection && avgDown ? stride : 1
    }
}
