import WeightPortVocabulary

/// The hub: the canonical module tree of a ResNet/ResNeXt backbone with its FPN or classifier and
/// its detection heads.
///
/// Parameter paths are detectron2's (DESIGN.md §3). Variants detectron2 lacks are named so:
/// deep stem `stem.conv{1,2,3}` (+ `.norm`), avg-down shortcut keeps `shortcut` (the pool has no
/// parameters), classifier `linear`, and a C4 body's res5 is the RoI head `roi_heads.res5.*`.
/// Everything outside this type asks the tree — never the spec — which parameters a model has.
public struct ModelTree: Sendable {
    public let spec: ArchitectureSpec
    /// The backbone's nodes in order: ResNet's stem and res2…res5 blocks (res5 is the RoI head for
    /// a C4 body), or one GhostNet node.
    public let backbone: [any ModelNode]
    public let featurePyramid: FeaturePyramid?
    public let classifier: Classifier?
    /// RPN, box head, box predictor, mask and keypoint heads that the model has, in that order.
    public let heads: [any ModelNode]

    /// Builds the tree; throws when the spec's fields contradict each other.
    public init(spec: ArchitectureSpec) throws(ArchitectureError) {
        try spec.validate()
        self.spec = spec
        if let ghostnet = spec.ghostnet {
            let node = GhostNetBackbone(spec: ghostnet)
            backbone = [node]
            featurePyramid = spec.fpn.map { FeaturePyramid(spec: $0, stageChannels: node.levelChannels, inputs: FeatureName.strideLevels) }
            classifier = nil
            heads = spec.heads.nodes
            return
        }
        let stem = Stem(spec: spec)
        var input = stem.outChannels
        var stages: [[ResidualBlock]] = []
        for stage in 0..<4 {
            let prefix = Self.stageName(stage, body: spec.body)
            var blocks: [ResidualBlock] = []
            for index in 0..<spec.blocksPerStage[stage] {
                let block = try BlockKinds.make(spec: spec, stage: stage, index: index, inChannels: input, prefix: prefix)
                input = block.outChannels
                blocks.append(block)
            }
            blocks[blocks.count - 1].emits = [FeatureName.stage(stage)]
            stages.append(blocks)
        }
        backbone = [stem] + stages.joined().map { $0 as any ModelNode }
        let stageChannels = (0..<4).map(spec.outputChannels(stage:))
        featurePyramid = spec.fpn.map { FeaturePyramid(spec: $0, stageChannels: stageChannels, inputs: (0..<4).map(FeatureName.stage)) }
        classifier = spec.classes.map { Classifier(path: "linear", inFeatures: stageChannels[3], classes: $0) }
        var heads = spec.heads.nodes
        if let blocks = spec.heads.mask?.ownRes5Blocks, let maskIndex = heads.firstIndex(where: { $0 is MaskHead }) {
            // v0up: the mask branch's own res5 copy, on RoIs pooled from res4, before the mask head.
            var input = spec.outputChannels(stage: 2)
            var copy: [ResidualBlock] = []
            for index in 0..<blocks {
                let block = try BlockKinds.make(spec: spec, stage: 3, index: index, inChannels: input, prefix: MaskRes5Head.prefix)
                input = block.outChannels
                copy.append(block)
            }
            heads.insert(MaskRes5Head(blocks: copy), at: maskIndex)
        }
        if spec.body == .c4, spec.heads.boxPredictor != nil || spec.heads.mask != nil {
            // Before the predictor and mask head, which read what it computes.
            let firstReader = heads.firstIndex { $0 is BoxPredictor || $0 is MaskRes5Head || $0 is MaskHead } ?? heads.count
            let sharesRes5 = spec.heads.mask != nil && spec.heads.mask?.ownRes5Blocks == nil && spec.heads.mask?.convs == 0
            heads.insert(C4RoIHead(blocks: stages[3], feedsMask: sharesRes5), at: firstReader)
        }
        self.heads = heads
    }

    /// Canonical prefix of stage `index` (res2 = 0).
    static func stageName(_ index: Int, body: ArchitectureSpec.Body) -> String {
        index == 3 && body == .c4 ? "roi_heads.res5" : FeatureName.stage(index)
    }

    /// Every node in model order: backbone, pyramid, classifier, heads.
    public var nodes: [any ModelNode] {
        var out = backbone
        if let featurePyramid { out.append(featurePyramid) }
        if let classifier { out.append(classifier) }
        return out + heads
    }

    /// Every parameter in canonical order: stem, res2…res5, FPN, classifier, heads.
    public var parameters: [ParameterSpec] { nodes.flatMap(\.parameters) }

    /// Parameters of the backbone, pyramid and classifier: what the forward pass runs today.
    public var backboneParameters: [ParameterSpec] {
        nodes.filter { !($0 is any HeadNode) }.flatMap(\.parameters)
    }

    /// Features the forward pass computes, in order.
    public var featureNames: [String] { nodes.flatMap(\.emits) }

    /// Norm paths of the tree that are GroupNorms (their tensors look exactly like affine norms').
    public var groupNormPaths: Set<String> {
        Set(nodes.flatMap(\.convolutions).filter { $0.norm?.kind == .group }.map(\.normPath))
    }

    /// Checks a state dict under canonical names against every parameter of the tree, heads included.
    public func check(_ shapes: [(String, [Int])]) -> ParameterCheck { ParameterCheck(shapes: shapes, expected: parameters) }
}
