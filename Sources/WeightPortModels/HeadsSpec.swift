/// The detection heads a model has, each with the sizes that fix its parameters' shapes.
public struct HeadsSpec: Codable, Sendable, Equatable {
    public var rpn: RPNHead.Spec?
    public var box: BoxHead.Spec?
    public var boxPredictor: BoxPredictor.Spec?
    public var mask: MaskHead.Spec?
    public var keypoint: KeypointHead.Spec?

    public init(rpn: RPNHead.Spec? = nil, box: BoxHead.Spec? = nil, boxPredictor: BoxPredictor.Spec? = nil,
                mask: MaskHead.Spec? = nil, keypoint: KeypointHead.Spec? = nil) {
        self.rpn = rpn
        self.box = box
        self.boxPredictor = boxPredictor
        self.mask = mask
        self.keypoint = keypoint
    }

    public var isEmpty: Bool { self == HeadsSpec() }

    /// The head nodes, in model order.
    public var nodes: [any ModelNode] {
        var out: [any ModelNode] = []
        if let rpn { out.append(RPNHead(spec: rpn)) }
        if let box { out.append(BoxHead(spec: box)) }
        if let boxPredictor { out.append(BoxPredictor(spec: boxPredictor)) }
        if let mask { out.append(MaskHead(spec: mask)) }
        if let keypoint { out.append(KeypointHead(spec: keypoint)) }
        return out
    }
}
