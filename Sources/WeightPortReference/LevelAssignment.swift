import Foundation
import WeightPortVocabulary

/// The FPN level a box is pooled from (FPN paper, eq. 1), in each framework's own arithmetic.
///
/// The four rules differ in the box size (`+1` on width and height or not) and in where the
/// epsilon sits, so boxes near a level boundary change level between frameworks. Each is
/// computed in float32, like the frameworks (Detectron's numpy arrays and everyone's torch
/// tensors hold float32 boxes), with `s = sqrt(area)`, `s0` = `canonicalScale`, `k0` = `canonicalLevel`:
///
/// | rule | size `s` | level | source |
/// |---|---|---|---|
/// | `detectron` | `sqrt((x2-x1+1)·(y2-y1+1))` | `floor(k0 + log2(s/s0 + 1e-6))` | Detectron `modeling/FPN.py` `map_rois_to_fpn_levels` + `utils/boxes.py` `boxes_area`; same in Detectron.pytorch `lib/utils/fpn.py` and maskrcnn-benchmark `modeling/poolers.py` `LevelMapper` (`BoxList.area()` with `TO_REMOVE = 1`) |
/// | `torchvision` | `sqrt((x2-x1)·(y2-y1))` | `floor(k0 + log2(s/s0) + 1e-6)` (eps outside the log) | torchvision 0.29.2 `ops/poolers.py` `LevelMapper`; the older pytorch/vision@06177eec had the eps inside |
/// | `detectron2` | `sqrt((x2-x1)·(y2-y1))` | `floor(k0 + log2(s/s0 + 1e-8))` | detectron2 `modeling/poolers.py` `assign_boxes_to_levels` @2bd05b4 (the early @04367a2 used `sys.float_info.epsilon`, 2.2e-16, instead of 1e-8) |
/// | `mmdet` | `sqrt((x2-x1)·(y2-y1))` | `minLevel + floor(log2(s/56 + 1e-6))` (`finest_scale`, 0-based index) | mmdet 3.x `roi_extractors/single_level_roi_extractor.py` `map_roi_levels` |
///
/// Every level is then clamped to `[minLevel, maxLevel]` (the pooled pyramid's levels; P2–P5 in
/// every standard config). A zero-area box has `s = 0`, so the log is −∞ (or very negative) and it
/// goes to `minLevel`, as in the frameworks.
public struct LevelAssignment: Sendable, Equatable {
    /// Whose arithmetic to use (the vocabulary's term, as tables spell it).
    public typealias Rule = LevelRule

    public let rule: Rule
    /// Finest pooled level (2 for P2).
    public let minLevel: Int
    /// Coarsest pooled level (5 for P5).
    public let maxLevel: Int
    /// `s0`: 224 (`ROI_CANONICAL_SCALE`, `canonical_scale`, `canonical_box_size`); for mmdet its
    /// `finest_scale` (56), the size that still maps to `minLevel`.
    public let canonicalScale: Float
    /// `k0`: 4 (`ROI_CANONICAL_LEVEL`, `canonical_level`); unused by mmdet, whose index 0 is `minLevel`.
    public let canonicalLevel: Int

    /// The frameworks' defaults: s0 = 224 and k0 = 4, or mmdet's `finest_scale` = 56.
    public init(rule: Rule, minLevel: Int = 2, maxLevel: Int = 5, canonicalScale: Float? = nil,
                canonicalLevel: Int = 4) throws(HeadOpError) {
        guard minLevel >= 0, minLevel <= maxLevel, maxLevel < 31 else {
            throw .invalidSetting("FPN levels \(minLevel)…\(maxLevel) must satisfy 0 ≤ min ≤ max < 31")
        }
        let scale = canonicalScale ?? (rule == .mmdet ? 56 : 224)
        guard scale.isFinite, scale > 0 else {
            throw .invalidSetting("canonical scale \(scale) must be positive and finite")
        }
        self.rule = rule
        self.minLevel = minLevel
        self.maxLevel = maxLevel
        self.canonicalScale = scale
        self.canonicalLevel = canonicalLevel
    }

    /// The clamped FPN level of `box` (e.g. 2…5).
    public func level(of box: RoIBox) -> Int {
        clamp(unclampedLevel(of: box))
    }

    /// The level of every box, in order.
    public func levels(of boxes: [RoIBox]) -> [Int] { boxes.map(level(of:)) }

    /// The rule's `floor(…)` before clamping, in float32 (−∞ for a zero-size box under the
    /// torchvision rule; NaN only for an inverted box, which the poolers reject first).
    public func unclampedLevel(of box: RoIBox) -> Float {
        let k0 = Float(canonicalLevel), s0 = canonicalScale
        switch rule {
        case .detectron:
            // numpy float32: `w = x2 - x1 + 1`, `h = y2 - y1 + 1`, `areas = w * h`, then
            // `np.floor(lvl0 + np.log2(s / s0 + 1e-6))`.
            let s = ((box.x2 - box.x1 + 1) * (box.y2 - box.y1 + 1)).squareRoot()
            return (k0 + log2(s / s0 + Float(1e-6))).rounded(.down)
        case .torchvision:
            // `torch.floor(self.lvl0 + torch.log2(s / self.s0) + torch.tensor(self.eps, dtype=s.dtype))`.
            let s = ((box.x2 - box.x1) * (box.y2 - box.y1)).squareRoot()
            return (k0 + log2(s / s0) + Float(1e-6)).rounded(.down)
        case .detectron2:
            // `torch.floor(canonical_level + torch.log2(box_sizes / canonical_box_size + 1e-8))`.
            let s = ((box.x2 - box.x1) * (box.y2 - box.y1)).squareRoot()
            return (k0 + log2(s / s0 + Float(1e-8))).rounded(.down)
        case .mmdet:
            // `torch.floor(torch.log2(scale / self.finest_scale + 1e-6))` is a 0-based index into
            // `featmap_strides`, whose first entry is `minLevel`.
            let s = ((box.x2 - box.x1) * (box.y2 - box.y1)).squareRoot()
            return Float(minLevel) + log2(s / s0 + Float(1e-6)).rounded(.down)
        }
    }

    /// `torch.clamp` / `np.clip` to the pooled levels; −∞ goes to the finest and +∞ to the
    /// coarsest level (NaN, impossible for a validated box, to the finest).
    private func clamp(_ value: Float) -> Int {
        guard !value.isNaN else { return minLevel }
        if value <= Float(minLevel) { return minLevel }
        if value >= Float(maxLevel) { return maxLevel }
        return Int(value)
    }
}
