import Foundation
import WeightPortCore
import WeightPortVocabulary

/// Rewrites the hub's norms and stem bias into what a target convention's model holds, with
/// exact algebra wherever one exists (CONVENTIONS.md §0.1 items 2–3, §3.4 item 2):
/// - affine → BatchNorm(eps): running_mean 0, running_var 1 − eps, so the scale is unchanged;
/// - BatchNorm(eps_s) → BatchNorm(eps_t): weight rescaled by √(var+eps_t)/√(var+eps_s);
/// - BatchNorm → affine: scale w/√(var+eps), bias b − mean·scale;
/// - a stem conv bias c the target cannot hold is folded into the next norm
///   (BatchNorm: mean − c; affine: bias + scale·c).
public enum NormAdapter {
    public struct Target: Sendable {
        public var normKind: DeclaredNorm
        public var eps: Double
        public var stemBias: Bool
        /// Norm paths that are GroupNorms (left as they are).
        public var groupNorms: Set<String>

        public init(normKind: DeclaredNorm, eps: Double, stemBias: Bool, groupNorms: Set<String> = []) {
            self.normKind = normKind
            self.eps = eps
            self.stemBias = stemBias
            self.groupNorms = groupNorms
        }

        public init(_ semantics: ConventionSemantics, groupNorms: Set<String> = []) {
            self.init(normKind: semantics.norm ?? .batchnorm, eps: semantics.normEps ?? 1e-5,
                      stemBias: semantics.stemConvBias == .used, groupNorms: groupNorms)
        }

        var wantsStatistics: Bool { normKind.hasStatistics }
    }

    public static func adapt(_ weights: CanonicalWeights, to target: Target) throws(TransformError) -> CanonicalWeights {
        var out = weights
        if !target.stemBias, let bias = weights.tensors["stem.conv1.bias"] {
            try foldStemBias(bias, into: &out)
        }
        for path in out.normPaths where !target.groupNorms.contains(path) {
            try adaptNorm(path, &out, target)
        }
        return out
    }

    static func adaptNorm(_ path: String, _ w: inout CanonicalWeights, _ target: Target) throws(TransformError) {
        guard let weight = w.tensors[path + ".weight"]?.floats(), let bias = w.tensors[path + ".bias"]?.floats() else { return }
        let mean = w.tensors[path + ".running_mean"]?.floats()
        let variance = w.tensors[path + ".running_var"]?.floats()
        let n = weight.count
        switch (mean, variance, target.wantsStatistics) {
        case (nil, nil, true):
            set(&w, path + ".running_mean", [Float](repeating: 0, count: n), "synthesised: 0 (affine norm)")
            set(&w, path + ".running_var", [Float](repeating: Float(1 - target.eps), count: n), "synthesised: 1 − eps (affine norm)")
            w.normEps[path] = target.eps
        case (_?, let v?, true):
            let epsSource = w.normEps[path] ?? target.eps
            // Eps values that travelled through float32 (spec files, Caffe layers) differ in the
            // last bits only; rescaling for that would change nothing but the report.
            guard abs(epsSource - target.eps) > 1e-6 * max(epsSource, target.eps) else { return }
            let scaled = (0..<n).map { weight[$0] * Float(((Double(v[$0]) + target.eps) / (Double(v[$0]) + epsSource)).squareRoot()) }
            set(&w, path + ".weight", scaled, "rescaled for eps \(target.eps) (source eps \(epsSource))")
            w.normEps[path] = target.eps
        case (let m?, let v?, false):
            let eps = w.normEps[path] ?? 1e-5
            let scale = (0..<n).map { Float(Double(weight[$0]) / (Double(v[$0]) + eps).squareRoot()) }
            set(&w, path + ".weight", scale, "folded: weight / sqrt(running_var + \(eps))")
            set(&w, path + ".bias", (0..<n).map { bias[$0] - m[$0] * scale[$0] }, "folded: bias − running_mean · scale")
            w.tensors[path + ".running_mean"] = nil
            w.tensors[path + ".running_var"] = nil
            w.normEps[path] = nil
        default:
            return
        }
    }

    static func foldStemBias(_ biasTensor: Tensor, into w: inout CanonicalWeights) throws(TransformError) {
        let c = biasTensor.floats()
        let path = "stem.conv1.norm"
        w.tensors["stem.conv1.bias"] = nil
        if let mean = w.tensors[path + ".running_mean"]?.floats(), mean.count == c.count {
            set(&w, path + ".running_mean", zip(mean, c).map { $0 - $1 }, "stem conv bias folded in: running_mean − bias")
        } else if let weight = w.tensors[path + ".weight"]?.floats(), let bias = w.tensors[path + ".bias"]?.floats(),
                  weight.count == c.count {
            set(&w, path + ".bias", (0..<c.count).map { bias[$0] + weight[$0] * c[$0] }, "stem conv bias folded in: bias + scale · conv bias")
        } else {
            throw .shape("the stem conv bias has no norm of \(c.count) channels to fold into")
        }
        w.notes.append("stem conv bias folded into stem.conv1.norm (the target's stem conv has no bias)")
    }

    static func set(_ w: inout CanonicalWeights, _ name: String, _ values: [Float], _ how: String) {
        let shape = w.tensors[name]?.shape ?? [values.count]
        w.tensors[name] = Tensor(float32: values, shape: shape)
        w.transforms[name] = w.transforms[name].map { $0 + "; " + how } ?? how
    }
}
