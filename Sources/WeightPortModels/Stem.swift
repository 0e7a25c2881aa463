/// The stem: a 7×7/2 conv (`stem.conv1`) or three 3×3 convs (`stem.conv1…conv3`, as detectron2's
/// DeepLab stem names them), each with norm and ReLU, then a 3×3/2 max-pool.
public struct Stem: ModelNode, Equatable {
    public var convs: [ConvolutionLayer]
    public var pool: ArchitectureSpec.PoolRounding

    init(spec: ArchitectureSpec) {
        pool = spec.stemPool
        switch spec.stem {
        case .conv7x7:
            convs = [ConvolutionLayer(path: "stem.conv1", inChannels: 3, outChannels: spec.stemWidths[0], kernel: 7,
                                      stride: 2, padding: 3, hasBias: spec.stemBias, norm: spec.norm)]
        case .deep:
            var input = 3
            convs = spec.stemWidths.enumerated().map { index, width in
                defer { input = width }
                return ConvolutionLayer(path: "stem.conv\(index + 1)", inChannels: input, outChannels: width, kernel: 3,
                                        stride: index == 0 ? 2 : 1, padding: 1,
                                        hasBias: index == 0 && spec.stemBias, norm: spec.norm)
            }
        }
    }

    public var path: String { "stem" }
    public var outChannels: Int { convs.last?.outChannels ?? 0 }
    public var convolutions: [ConvolutionLayer] { convs }
    public var parameters: [ParameterSpec] { convs.flatMap(\.parameters) }
    public var emits: [String] { ["stem"] }
}
