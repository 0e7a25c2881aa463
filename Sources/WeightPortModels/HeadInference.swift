/// Reads which detection heads a model has, and their sizes, from canonical names and shapes.
///
/// A head is present when any of its tensors is. Its sizes come from the first tensor that shows
/// each (a numbered tower counts up to its highest index), so every other tensor of the head is
/// then checked against the tree like a backbone tensor: a gap in a tower or a wrong width is a
/// missing tensor or a shape mismatch, never a guess.
enum HeadInference {
    typealias Shapes = [String: [Int]]

    static func infer(_ table: Shapes, pooledChannels: Int, res5Channels: Int) -> HeadsSpec {
        HeadsSpec(rpn: rpn(table, channels: pooledChannels),
                  box: box(table, pooledChannels: pooledChannels),
                  boxPredictor: predictor(table, inFeatures: boxFeatures(table, pooledChannels: pooledChannels, res5Channels: res5Channels)),
                  mask: mask(table, pooledChannels: pooledChannels, res5Channels: res5Channels),
                  keypoint: keypoint(table, pooledChannels: pooledChannels))
    }

    static func rpn(_ table: Shapes, channels fallback: Int) -> RPNHead.Spec? {
        let path = "proposal_generator.rpn_head"
        guard has(table, path) else { return nil }
        let conv = table[path + ".conv.weight"], objectness = table[path + ".objectness_logits.weight"]
        let deltas = table[path + ".anchor_deltas.weight"]
        let channels = conv?.first ?? objectness?.dropFirst().first ?? deltas?.dropFirst().first ?? fallback
        let anchors = deltas.map { max(1, $0[0] / 4) } ?? objectness?.first ?? 1
        let logits = objectness.map { $0[0] % anchors == 0 ? max(1, $0[0] / anchors) : 1 } ?? 1
        return RPNHead.Spec(channels: channels, anchors: anchors, logitsPerAnchor: logits)
    }

    static func box(_ table: Shapes, pooledChannels: Int) -> BoxHead.Spec? {
        let path = "roi_heads.box_head"
        guard has(table, path) else { return nil }
        let convs = highest(table, path + ".conv"), fcs = highest(table, path + ".fc")
        let conv1 = table[path + ".conv1.weight"]
        let inChannels = conv1.map { $0[1] } ?? pooledChannels
        let convDim = conv1?.first ?? 256
        let fc1 = table[path + ".fc1.weight"]
        let flattenedChannels = convs > 0 ? convDim : inChannels
        return BoxHead.Spec(inChannels: inChannels, resolution: resolution(fc1?.last, channels: flattenedChannels),
                            convs: convs, convDim: convDim, convNorm: norm(table, path + ".conv1"),
                            fcs: fcs, fcDim: fc1?.first ?? 1024)
    }

    /// What the predictor reads: the box head's output, or res5's pooled channels for C4.
    static func boxFeatures(_ table: Shapes, pooledChannels: Int, res5Channels: Int) -> Int {
        guard let box = box(table, pooledChannels: pooledChannels) else { return res5Channels }
        return BoxHead(spec: box).outFeatures
    }

    static func predictor(_ table: Shapes, inFeatures: Int) -> BoxPredictor.Spec? {
        let path = "roi_heads.box_predictor"
        guard has(table, path) || has(table, "roi_heads.box_head") else { return nil }
        let scores = table[path + ".cls_score.weight"], boxes = table[path + ".bbox_pred.weight"]
        let classes = scores?.first ?? boxes.map { max(1, $0[0] / 4) } ?? 2
        return BoxPredictor.Spec(inFeatures: scores?.last ?? boxes?.last ?? inFeatures, classes: classes,
                                 boxRows: boxes?.first ?? 4 * classes)
    }

    static func mask(_ table: Shapes, pooledChannels: Int, res5Channels: Int) -> MaskHead.Spec? {
        let path = "roi_heads.mask_head"
        guard has(table, path) else { return nil }
        let convs = highest(table, path + ".mask_fcn")
        let first = table[path + ".mask_fcn1.weight"], deconv = table[path + ".deconv.weight"]
        let predictor = table[path + ".predictor.weight"]
        let dim = first?.first ?? deconv?.dropFirst().first ?? predictor?.dropFirst().first ?? 256
        let inChannels = first?.dropFirst().first ?? (convs == 0 ? deconv?.first ?? res5Channels : pooledChannels)
        // v0up: the branch's own res5 copy, as many blocks as its highest index shows.
        let res5 = table.keys.compactMap { name -> Int? in
            guard name.hasPrefix(MaskRes5Head.prefix + ".") else { return nil }
            return Int(name.dropFirst(MaskRes5Head.prefix.count + 1).prefix { $0.isNumber })
        }.max().map { $0 + 1 }
        return MaskHead.Spec(inChannels: inChannels, convs: convs, dim: dim, convNorm: norm(table, path + ".mask_fcn1"),
                             classes: predictor?.first ?? 2, ownRes5Blocks: res5)
    }

    static func keypoint(_ table: Shapes, pooledChannels: Int) -> KeypointHead.Spec? {
        let path = "roi_heads.keypoint_head"
        guard has(table, path) else { return nil }
        let first = table[path + ".conv_fcn1.weight"], score = table[path + ".score_lowres.weight"]
        return KeypointHead.Spec(inChannels: first?.dropFirst().first ?? pooledChannels,
                                 convs: highest(table, path + ".conv_fcn"), dim: first?.first ?? score?.first ?? 512,
                                 keypoints: score?.dropFirst().first ?? 17)
    }

    static func has(_ table: Shapes, _ path: String) -> Bool {
        table.keys.contains { $0.hasPrefix(path + ".") }
    }

    /// The highest `n` of `<stem><n>.…` among the names (0 when none).
    static func highest(_ table: Shapes, _ stem: String) -> Int {
        table.keys.compactMap { name -> Int? in
            guard name.hasPrefix(stem) else { return nil }
            let digits = name.dropFirst(stem.count).prefix { $0.isNumber }
            return digits.isEmpty ? nil : Int(digits)
        }.max() ?? 0
    }

    /// GroupNorm when the layer has a norm (heads' norms are GroupNorm in every framework).
    static func norm(_ table: Shapes, _ layer: String) -> NormSpec? {
        table[layer + ".norm.weight"] == nil && table[layer + ".norm.bias"] == nil ? nil : .group(32, eps: 1e-5)
    }

    /// R with C·R·R = `flattened`; 7 (every framework's default) when it does not divide.
    static func resolution(_ flattened: Int?, channels: Int) -> Int {
        guard let flattened, channels > 0, flattened % channels == 0 else { return 7 }
        let area = flattened / channels
        let side = Int(Double(area).squareRoot().rounded())
        return side * side == area ? side : 7
    }
}
