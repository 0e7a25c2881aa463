import WeightPortCore

/// Why a detection-head op (RoIAlign, level assignment, transposed conv, bilinear upsampling)
/// refused its settings or its input.
///
/// Boxes and feature maps come from user files (`--boxes`, recorded features), so every check
/// on them is a thrown error rather than a precondition.
public enum HeadOpError: Error, Sendable, Equatable {
    /// A setting is out of its range (e.g. output size 0, a non-positive scale).
    case invalidSetting(String)
    /// Box `index` is unusable: a non-finite coordinate, x2 < x1 or y2 < y1, or a batch index
    /// that names no image of the feature map.
    case invalidBox(index: Int, reason: String)
    /// An input map or parameter does not have the shape the op needs.
    case shapeMismatch(String)
    /// The BLAS library that `ConvTranspose2d` multiplies with could not be loaded.
    case blas(String)
}

extension HeadOpError: Diagnostic {
    public var what: String {
        switch self {
        case .invalidSetting(let message): return "invalid setting: \(message)"
        case .invalidBox(_, let reason): return "invalid box: \(reason)"
        case .shapeMismatch(let message): return "shape mismatch: \(message)"
        case .blas(let message): return message
        }
    }

    public var location: String? {
        if case .invalidBox(let index, _) = self { return "box \(index)" }
        return nil
    }
}
