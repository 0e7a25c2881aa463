/// The FPN layers of the canonical tree (detectron2 names `fpn_lateral{2-5}`, `fpn_output{2-5}`,
/// `top_block.p6/p7`).
public struct FeaturePyramid: ModelNode, Equatable {
    public var spec: FeaturePyramidSpec
    /// Lateral 1×1 convs for res2…res5, in that order.
    public var laterals: [ConvolutionLayer]
    /// Output 3×3 convs for P2…P5, in that order.
    public var outputs: [ConvolutionLayer]
    /// RetinaNet's P6 and P7 convs; nil otherwise.
    public var p6: ConvolutionLayer?
    public var p7: ConvolutionLayer?
    /// The backbone features it reads, finest first (`res2…res5`; a GhostNet's `c2…c5`).
    public var inputs: [String]

    init(spec: FeaturePyramidSpec, stageChannels: [Int], inputs: [String]) {
        self.spec = spec
        self.inputs = inputs
        let hasBias = spec.norm == nil
        laterals = stageChannels.enumerated().map { index, channels in
            ConvolutionLayer(path: "fpn_lateral\(index + 2)", inChannels: channels, outChannels: spec.channels,
                             kernel: 1, hasBias: hasBias, norm: spec.norm)
        }
        outputs = stageChannels.indices.map { index in
            ConvolutionLayer(path: "fpn_output\(index + 2)", inChannels: spec.channels, outChannels: spec.channels,
                             kernel: 3, padding: 1, hasBias: hasBias, norm: spec.norm)
        }
        switch spec.topBlock {
        case .none, .maxPool:
            p6 = nil
            p7 = nil
        case .p6p7FromC5, .p6p7FromP5:
            let source = spec.topBlock == .p6p7FromC5 ? (stageChannels.last ?? 0) : spec.channels
            p6 = ConvolutionLayer(path: "top_block.p6", inChannels: source, outChannels: spec.channels, kernel: 3,
                                  stride: 2, padding: 1, hasBias: true)
            p7 = ConvolutionLayer(path: "top_block.p7", inChannels: spec.channels, outChannels: spec.channels, kernel: 3,
                                  stride: 2, padding: 1, hasBias: true)
        }
    }

    /// The pyramid's convs sit at the top level of the canonical names (`fpn_lateral2`).
    public var path: String { "" }
    public var convolutions: [ConvolutionLayer] { laterals + outputs + [p6, p7].compactMap { $0 } }
    public var parameters: [ParameterSpec] { convolutions.flatMap(\.parameters) }
    public var emits: [String] { featureNames }

    /// Feature names it produces, finest first.
    public var featureNames: [String] {
        if spec.onlyP2 { return ["p2"] }
        switch spec.topBlock {
        case .none: return ["p2", "p3", "p4", "p5"]
        case .maxPool: return ["p2", "p3", "p4", "p5", "p6"]
        case .p6p7FromC5, .p6p7FromP5: return ["p2", "p3", "p4", "p5", "p6", "p7"]
        }
    }
}
