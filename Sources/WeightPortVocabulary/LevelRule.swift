/// How a box picks its FPN level (HEADS.md §1.3).
public enum LevelRule: String, VocabularyTerm {
    /// Detectron, Detectron.pytorch, maskrcnn-benchmark: `floor(4 + log2(sqrt((w+1)(h+1))/224 + 1e-6))`.
    case detectron
    /// torchvision ≥ 0.13: `floor(4 + log2(sqrt(wh)/224) + 1e-6)` (eps outside the log).
    case torchvision
    /// detectron2: `floor(4 + log2(sqrt(wh)/224 + 1e-8))`.
    case detectron2
    /// mmdetection: `floor(log2(sqrt(wh)/56 + 1e-6))` as a 0-based level index.
    case mmdet

    public static let termName = "FPN level rule"
}
