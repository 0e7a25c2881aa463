/// How a framework's pickles hold the weights, for writing `.pkl`.
public enum PickleLayout: String, VocabularyTerm {
    /// Detectron: `{'blobs': {name: array}, 'cfg': yaml}` for detectors, flat `{name: array}` for
    /// ImageNet backbones.
    case detectronBlobs = "detectron_blobs"
    /// detectron2's model-zoo pickles: `{'model': {name: array}, '__author__': …}`.
    case detectron2Model = "detectron2_model"
    /// A flat `{name: array}` dict.
    case flat

    public static let termName = "pickle layout"
}
