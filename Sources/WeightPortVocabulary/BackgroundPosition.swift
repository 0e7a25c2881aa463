/// Where a detector's predictors keep the background class.
public enum BackgroundPosition: String, VocabularyTerm {
    /// Row 0, with 4(K+1) box rows and K+1 mask channels (Detectron, torchvision, maskrcnn-benchmark).
    case first
    /// Row K, with 4K box rows and K mask channels (detectron2, mmdetection ≥ 2.0).
    case last

    public static let termName = "background class position"
}
