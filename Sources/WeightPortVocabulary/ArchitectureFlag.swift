/// A trait of a model that decides which names a convention gives its tensors.
///
/// Tables list the flags a file's own names reveal (`flags:`) and make rules depend on them
/// (`when:`/`unless:`); the façade derives the same flags from an architecture when it writes.
/// Each flag has exactly one meaning.
public enum ArchitectureFlag: String, VocabularyTerm {
    /// res5 is the RoI head (`roi_heads.res5`), not part of the backbone (C4 detectors).
    case c4
    /// The backbone carries a feature pyramid.
    case fpn
    /// The backbone's norms are GroupNorm (their tensors look exactly like affine norms').
    case gn
    /// The RoI heads' convs have GroupNorm (Detectron's `*_gn` heads), whatever the backbone has.
    case gnHeads = "gn_heads"
    /// The stem is three 3×3 convs (ResNetV1c / V1d, `deep_stem=True`).
    case deepStem = "deep_stem"
    /// Projection shortcuts average-pool before their 1×1 conv (ResNetV1d, `avg_down=True`).
    case avgDown = "avg_down"
    /// The pyramid has RetinaNet's P6/P7 convolutions.
    case retinanet
    /// The checkpoint is a detector (it has heads or a detection body), not a bare classifier.
    case detection
    /// The convention's older module layout: pre-1.0 maskrcnn-benchmark / Detectron.pytorch,
    /// mmdetection 1.x deformable convs (`conv2_offset`).
    case oldLayout = "old_layout"
    /// The backbone is a GhostNet (`conv_stem`), not a ResNet.
    case ghostnet
    /// An ImageNet classifier's `pred` layer (Detectron's classification pickles).
    case predClassifier = "pred_classifier"

    public static let termName = "architecture flag"
}
