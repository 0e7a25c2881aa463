/// Which detection-head tensors are missing from a set of canonical names.
///
/// The module tree covers the backbone and FPN; RPN and RoI heads travel by name. A head that is
/// present must be whole, or the target framework's strict load fails: every layer needs its
/// weight and bias (or, for a normalised conv, its norm's weight and bias), numbered layers run
/// from 1 without gaps, and each head has its fixed parts (RPN: conv, objectness, deltas; mask:
/// deconv and predictor; a box head: its predictor).
enum HeadCompleteness {
    static let fixedParts: [String: [String]] = [
        "proposal_generator.rpn_head": ["conv", "objectness_logits", "anchor_deltas"],
        "roi_heads.box_predictor": ["cls_score", "bbox_pred"],
        "roi_heads.mask_head": ["deconv", "predictor"],
        "roi_heads.keypoint_head": ["score_lowres"],
    ]
    /// Numbered layers of each head, e.g. `mask_fcn1…mask_fcn4`.
    static let numbered: [String: [String]] = [
        "roi_heads.box_head": ["fc", "conv"], "roi_heads.mask_head": ["mask_fcn"], "roi_heads.keypoint_head": ["conv_fcn"],
    ]

    static func missing(in names: [String]) -> [String] {
        let present = Set(names)
        var heads = Set(fixedParts.keys.filter { head in names.contains { $0.hasPrefix(head + ".") } })
        heads.formUnion(numbered.keys.filter { head in names.contains { $0.hasPrefix(head + ".") } })
        if heads.contains("roi_heads.box_head") { heads.insert("roi_heads.box_predictor") }
        var layers = Set<String>()
        for head in heads {
            for part in fixedParts[head] ?? [] { layers.insert(head + "." + part) }
            for stem in numbered[head] ?? [] {
                let highest = names.compactMap { number(of: $0, head: head, stem: stem) }.max() ?? 0
                for i in stride(from: 1, through: highest, by: 1) { layers.insert("\(head).\(stem)\(i)") }
            }
        }
        var out: [String] = []
        for layer in layers.sorted() {
            if present.contains(layer + ".norm.weight") || present.contains(layer + ".norm.bias") {
                out += [layer + ".weight", layer + ".norm.weight", layer + ".norm.bias"].filter { !present.contains($0) }
            } else {
                out += [layer + ".weight", layer + ".bias"].filter { !present.contains($0) }
            }
        }
        return out
    }

    /// `roi_heads.mask_head.mask_fcn3.weight` → 3 for (`roi_heads.mask_head`, `mask_fcn`).
    static func number(of name: String, head: String, stem: String) -> Int? {
        let prefix = head + "." + stem
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count).prefix { $0.isNumber }
        return digits.isEmpty ? nil : Int(digits)
    }
}
