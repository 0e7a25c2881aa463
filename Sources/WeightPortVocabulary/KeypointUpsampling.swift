/// How the keypoint head's 28×28 low-resolution heatmaps become 56×56 (HEADS.md §4).
public enum KeypointUpsampling: String, VocabularyTerm {
    /// Detectron / Detectron.pytorch: a fixed-weight 4×4/2 ConvTranspose with the FCN bilinear
    /// kernel (zero padding at the border; Detectron pickles it as `kps_score_w`).
    case detectronDeconv = "detectron_deconv"
    /// maskrcnn-benchmark, torchvision, detectron2: `interpolate(×2, bilinear, align_corners=False)`.
    case bilinearInterpolate = "bilinear_interpolate"

    public static let termName = "keypoint upsampling"
}
