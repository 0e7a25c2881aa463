/// The two RoIAlign kernels of the field (HEADS.md §1.1).
public enum RoIAlignVariant: String, VocabularyTerm {
    /// Caffe2/Detectron, maskrcnn-benchmark, torchvision's default: `roi_start = x1·scale`, RoIs
    /// forced to at least 1×1.
    case legacy
    /// detectron2 `ROIAlignV2`, mmcv `aligned=True`: `roi_start = x1·scale − 0.5`, no minimum size.
    case aligned

    public static let termName = "RoIAlign variant"
}
