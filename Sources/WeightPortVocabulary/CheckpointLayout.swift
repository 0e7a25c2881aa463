/// How a framework's PyTorch checkpoints hold the state dict.
public enum CheckpointLayout: String, VocabularyTerm {
    /// The state dict itself (`load_state_dict(torch.load(f))`).
    case bare
    /// `{'model': sd, …}` (detectron2, maskrcnn-benchmark, Detectron.pytorch).
    case model
    /// `{'state_dict': sd, 'meta': …}` (mmdetection).
    case stateDict = "state_dict"

    public static let termName = "checkpoint layout"

    /// The key the weights sit under, nil for a bare state dict.
    public var containerKey: String? {
        switch self {
        case .bare: return nil
        case .model: return "model"
        case .stateDict: return "state_dict"
        }
    }
}
