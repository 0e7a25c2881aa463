/// What a framework does with a stem conv bias (the MSRA Caffe R-50 has one).
public enum StemBiasUse: String, VocabularyTerm {
    /// The stem conv has a bias and adds it.
    case used
    /// The file may carry one, but the model never adds it (Detectron's ImageNet pickles).
    case ignored
    /// The model has no stem bias at all.
    case absent

    public static let termName = "stem conv bias use"
}
