import WeightPortCore

/// A checkpoint's training config that cannot be read: malformed text (with its line), or a
/// value WeightPort needs written as an expression it will not evaluate.
public enum ConfigTextError: Error, Sendable, Equatable {
    /// The text breaks the syntax of its language (`language` is `Python` or `YAML`).
    case malformed(language: String, reason: String, line: Int)
    /// A setting that decides the computation is an expression, call or variable reference.
    case opaqueSetting(key: String, text: String)
}

extension ConfigTextError: Diagnostic {
    public var what: String {
        switch self {
        case .malformed(let language, let reason, _):
            return "the checkpoint's config is not valid \(language): \(reason)"
        case .opaqueSetting(let key, let text):
            return "the checkpoint's config sets \(key) to '\(text)', an expression WeightPort does not evaluate"
        }
    }

    public var location: String? {
        if case .malformed(_, _, let line) = self { return "config line \(line)" }
        return nil
    }
}
