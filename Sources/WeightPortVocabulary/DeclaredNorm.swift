/// The norm layer a framework's models use, as a table declares it (`semantics.norm`).
public enum DeclaredNorm: String, VocabularyTerm {
    /// Scale and bias only (Detectron AffineChannel, maskrcnn-benchmark FrozenBatchNorm2d).
    case affine
    /// BatchNorm with running statistics and eps.
    case batchnorm
    /// detectron2's FrozenBatchNorm2d: statistics and eps, never updated.
    case frozenBatchnorm = "frozen_batchnorm"
    case groupnorm

    public static let termName = "norm kind"

    /// Whether the framework's norm layers hold running statistics.
    public var hasStatistics: Bool { self == .batchnorm || self == .frozenBatchnorm }
}
