/// How RPN objectness logits become probabilities.
public enum RPNActivation: String, VocabularyTerm {
    /// One logit per anchor (A channels): every framework's default.
    case sigmoid
    /// Detectron.pytorch `RPN.CLS_ACTIVATION: softmax`: two logits per anchor, class-major (2A).
    case softmax

    public static let termName = "RPN activation"
}
