/// How a convolution's output is normalised, kept exactly as the source had it.
///
/// Detectron's AffineChannel (and frozen BN already folded to scale/bias) is `affine`: weight and
/// bias only, no epsilon. BatchNorm carries running statistics and its epsilon; GroupNorm carries
/// its group count and epsilon and is computed from the activations at run time.
public struct NormSpec: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// `y = x * weight + bias` (Detectron AffineChannel; maskrcnn-benchmark FrozenBatchNorm2d).
        case affine
        /// `y = (x - running_mean) / sqrt(running_var + eps) * weight + bias`.
        case batch
        /// `y = GN(x; groups, eps) * weight + bias`.
        case group
    }

    public var kind: Kind
    /// Added to the variance (BatchNorm, GroupNorm); ignored for affine.
    public var eps: Float
    /// Channel groups (GroupNorm only).
    public var groups: Int

    public init(kind: Kind, eps: Float = 1e-5, groups: Int = 32) {
        self.kind = kind
        self.eps = eps
        self.groups = groups
    }

    public static let affine = NormSpec(kind: .affine, eps: 0)
    public static let batch = NormSpec(kind: .batch, eps: 1e-5)
    public static func group(_ groups: Int = 32, eps: Float = 1e-5) -> NormSpec {
        NormSpec(kind: .group, eps: eps, groups: groups)
    }

    /// The parameter suffixes this norm stores, in detectron2's order.
    public var parameterNames: [String] {
        switch kind {
        case .affine, .group: return ["weight", "bias"]
        case .batch: return ["weight", "bias", "running_mean", "running_var"]
        }
    }
}
