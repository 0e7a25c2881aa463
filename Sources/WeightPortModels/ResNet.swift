/// The canonical module tree of a ResNet/ResNeXt backbone with its FPN or classifier.
///
/// Parameter paths are detectron2's (DESIGN.md §3). Variants detectron2 lacks are named so:
/// deep stem `stem.conv{1,2,3}` (+ `.norm`), avg-down shortcut keeps `shortcut` (the pool has no
/// parameters), classifier `linear`, and a C4 body's res5 is the RoI head `roi_heads.res5.*`.
public struct ResNet: Sendable, Equatable {
    public let spec: ArchitectureSpec
    public let stem: Stem
    /// res2…res5 (res5 is the RoI head for a C4 body).
    public let stages: [[ResidualBlock]]
    public let featurePyramid: FeaturePyramid?
    public let classifier: Classifier?

    /// Builds the tree; throws when the spec's fields contradict each other.
    public init(spec: ArchitectureSpec) throws(ArchitectureError) {
        try spec.validate()
        self.spec = spec
        stem = Stem(spec: spec)
        var input = stem.outChannels
        var stages: [[ResidualBlock]] = []
        for stage in 0..<4 {
            let prefix = Self.stageName(stage, body: spec.body)
            var blocks: [ResidualBlock] = []
            for index in 0..<spec.blocksPerStage[stage] {
                let block = ResidualBlock(spec: spec, stage: stage, index: index, inChannels: input, prefix: prefix)
                input = block.outChannels
                blocks.append(block)
            }
            stages.append(blocks)
        }
        self.stages = stages
        let stageChannels = (0..<4).map(spec.outputChannels(stage:))
        featurePyramid = spec.fpn.map { FeaturePyramid(spec: $0, stageChannels: stageChannels) }
        classifier = spec.classes.map { Classifier(path: "linear", inFeatures: stageChannels[3], classes: $0) }
    }

    /// Canonical prefix of stage `index` (res2 = 0).
    static func stageName(_ index: Int, body: ArchitectureSpec.Body) -> String {
        index == 3 && body == .c4 ? "roi_heads.res5" : "res\(index + 2)"
    }

    /// Every parameter in canonical order: stem, res2…res5, FPN, classifier.
    public var parameters: [ParameterSpec] {
        stem.parameters + stages.joined().flatMap(\.parameters)
            + (featurePyramid?.parameters ?? []) + (classifier?.parameters ?? [])
    }

    /// Features the forward pass computes, in order.
    public var featureNames: [String] {
        ["stem", "res2", "res3", "res4", "res5"] + (featurePyramid?.featureNames ?? [])
            + (classifier == nil ? [] : ["logits"])
    }
}
