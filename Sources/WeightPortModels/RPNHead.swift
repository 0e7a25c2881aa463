/// The region proposal head (`proposal_generator.rpn_head`): a 3×3 conv + ReLU shared by every
/// pyramid level (or run on res4 for C4), then 1×1 objectness logits and 1×1 box deltas.
public struct RPNHead: HeadNode, Equatable {
    public struct Spec: Codable, Sendable, Equatable {
        public var channels: Int
        /// Anchors per position (A): deltas have 4A channels.
        public var anchors: Int
        /// 1: one sigmoid logit per anchor (A channels); 2: Detectron.pytorch's softmax pair (2A).
        public var logitsPerAnchor: Int

        public init(channels: Int, anchors: Int, logitsPerAnchor: Int = 1) {
            self.channels = channels
            self.anchors = anchors
            self.logitsPerAnchor = logitsPerAnchor
        }
    }

    public let spec: Spec
    public var path: String { "proposal_generator.rpn_head" }

    public var convolutions: [ConvolutionLayer] {
        [ConvolutionLayer(path: path + ".conv", inChannels: spec.channels, outChannels: spec.channels, kernel: 3,
                          padding: 1, hasBias: true),
         ConvolutionLayer(path: path + ".objectness_logits", inChannels: spec.channels,
                          outChannels: spec.anchors * spec.logitsPerAnchor, kernel: 1, hasBias: true),
         ConvolutionLayer(path: path + ".anchor_deltas", inChannels: spec.channels, outChannels: 4 * spec.anchors,
                          kernel: 1, hasBias: true)]
    }

    public var parameters: [ParameterSpec] { convolutions.flatMap(\.parameters) }
}
