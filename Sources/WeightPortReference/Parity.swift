import WeightPortCore
import WeightPortVocabulary

/// Compares computed features with expected ones (e.g. PyTorch's), feature by feature.
///
/// The default tolerance is a maximum absolute error of 1e-4 × the expected feature's largest
/// magnitude. Float32 sums taken in a different order (im2col+sgemm blocking vs. PyTorch's
/// kernels, norms folded into weights) differ by about 1e-6 relative per layer; a ResNet-101 FPN
/// chains about a hundred such layers, so honest implementations agree to ~1e-5 of the feature's
/// range, while real conversion mistakes (wrong eps, stride placement, channel order, pool
/// rounding) show up at 1e-3 or far above.
public enum Parity {
    /// Relative tolerance used when none is given.
    public static let defaultRelativeTolerance: Float = 1e-4

    /// The comparison of one feature.
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        public let name: String
        public let shape: [Int]
        public let expectedShape: [Int]
        public let maxAbsoluteError: Float
        /// `maxAbsoluteError` divided by the expected feature's largest magnitude.
        public let maxRelativeError: Float
        public let cosineSimilarity: Double
        /// Flat NCHW index of the largest absolute error (nil when shapes differ or empty).
        public let worstIndex: Int?
        public let tolerance: Float

        public var shapesMatch: Bool { shape == expectedShape }
        /// Shapes equal, every value finite, and the relative error within tolerance.
        public var passes: Bool { shapesMatch && maxRelativeError.isFinite && maxRelativeError <= tolerance }

        public var description: String {
            guard shapesMatch else { return "\(name): shape \(shape) vs expected \(expectedShape) — FAIL" }
            let index = worstIndex.map { ", worst at \($0)" } ?? ""
            return "\(name) \(shape): max abs \(maxAbsoluteError), max rel \(maxRelativeError), cos \(cosineSimilarity)"
                + "\(index) — \(passes ? "ok" : "FAIL") (tolerance \(tolerance))"
        }
    }

    /// Compares `actual` against `expected` (both flat NCHW values with their shapes).
    public static func compare(name: String, actual: [Float], shape: [Int], expected: [Float], expectedShape: [Int],
                               tolerance: Float = defaultRelativeTolerance) -> Report {
        guard shape == expectedShape, actual.count == expected.count else {
            return Report(name: name, shape: shape, expectedShape: expectedShape, maxAbsoluteError: .infinity,
                          maxRelativeError: .infinity, cosineSimilarity: 0, worstIndex: nil, tolerance: tolerance)
        }
        var maxError: Float = 0, worst: Int?, largest: Float = 0
        var dot = 0.0, normA = 0.0, normE = 0.0
        for i in actual.indices {
            let a = actual[i], e = expected[i]
            let error = abs(a - e)
            // NaN never compares greater, so treat it as the worst possible error explicitly.
            if error > maxError || (error.isNaN && !maxError.isNaN) { maxError = error.isNaN ? .nan : error; worst = i }
            largest = max(largest, abs(e))
            dot += Double(a) * Double(e)
            normA += Double(a) * Double(a)
            normE += Double(e) * Double(e)
        }
        let relative: Float = maxError.isNaN ? .nan : (largest > 0 ? maxError / largest : maxError)
        let cosine = normA > 0 && normE > 0 ? dot / (normA.squareRoot() * normE.squareRoot()) : (normA == normE ? 1 : 0)
        return Report(name: name, shape: shape, expectedShape: expectedShape, maxAbsoluteError: maxError,
                      maxRelativeError: relative, cosineSimilarity: cosine, worstIndex: worst, tolerance: tolerance)
    }

    /// Features in the order the forward pass computes them, so the first failure is the first divergence.
    public static let computationOrder = FeatureName.computationOrder

    /// Compares every feature named in `expected` with the same-named computed one, in `order`
    /// (names missing from `order` follow, sorted). A feature absent from `actual` fails with an empty shape.
    public static func compare(actual: [String: FeatureMap], expected: [String: (values: [Float], shape: [Int])],
                               order: [String] = computationOrder, tolerance: Float = defaultRelativeTolerance) -> [Report] {
        let names = order.filter { expected[$0] != nil } + expected.keys.filter { !order.contains($0) }.sorted()
        return names.compactMap { name in
            guard let reference = expected[name] else { return nil }
            guard let map = actual[name] else {
                return compare(name: name, actual: [], shape: [], expected: reference.values,
                               expectedShape: reference.shape, tolerance: tolerance)
            }
            return compare(name: name, actual: map.values(), shape: map.shape, expected: reference.values,
                           expectedShape: reference.shape, tolerance: tolerance)
        }
    }

    /// Compares with expected features read from a file (e.g. a safetensors of PyTorch activations).
    public static func compare(actual: [String: FeatureMap], expected: StateDict,
                               tolerance: Float = defaultRelativeTolerance) -> [Report] {
        var table: [String: (values: [Float], shape: [Int])] = [:]
        for (name, tensor) in expected { table[name] = (tensor.floats(), tensor.shape) }
        return compare(actual: actual, expected: table, tolerance: tolerance)
    }

    /// The first failing feature in `reports` with the likely cause where the pattern is known
    /// (DESIGN.md §7); nil when all pass.
    public static func diagnosis(_ reports: [Report]) -> String? {
        guard let first = reports.firstIndex(where: { !$0.passes }) else { return nil }
        let failing = reports[first]
        let passed = Set(reports[..<first].map(\.name))
        var cause = ""
        if !failing.shapesMatch, failing.name == "mask.logits" {
            cause = "the mask logits' size differs: check the C4 mask branch's res5 dilation (Detectron MRCNN.DILATION: "
                + "the default 2 keeps 14×14 RoIs at 14×14 and doubles the logits, 1 strides res5 to 7×7)"
        } else if !failing.shapesMatch {
            cause = "shapes differ: check pool1 rounding (Caffe ceil vs PyTorch pad 1), strides and dilation"
        } else if failing.name == "res3", passed.contains("res2") {
            cause = "res2 passes but res3 fails: check stride placement (1×1 vs 3×3)"
        } else if failing.cosineSimilarity > 0.99999 {
            // A small, uniform scale error: the pattern of a norm eps (or frozen-BN statistics) mismatch.
            cause = "direction matches but scale differs: check norm eps or frozen-BN statistics"
        } else if failing.name == "stem" {
            cause = "the stem already differs: check input channel order, pixel scale and pool1 mode"
        } else if let head = headCause(failing, passed: passed) {
            cause = head
        }
        return "\(failing.description)" + (cause.isEmpty ? "" : "; likely cause: \(cause)")
    }

    /// Where heads disagree, the settings that make frameworks compute differently (HEADS.md):
    /// pooling (RoIAlign variant, sampling, level rule), class layout, keypoint upsampling.
    static func headCause(_ failing: Report, passed: Set<String>) -> String? {
        switch failing.name {
        case "box.pooled", "mask.pooled", "keypoint.pooled":
            return "the RoI features differ while the pyramid agrees: check the RoIAlign variant (legacy vs aligned), "
                + "the sampling ratio and the FPN level rule (Detectron's +1 area, eps placement, mmdet's finest_scale)"
        case "box.cls_score", "box.bbox_pred", "mask.logits":
            guard passed.contains("box.features") || passed.contains("mask.pooled") else { return nil }
            return "the head's input agrees but its classes do not: check the background class position (first vs last), "
                + "dropped background rows and the class count"
        case "box.features" where passed.contains("box.pooled"), "mask.logits" where passed.contains("mask.pooled"):
            return "the RoI features agree but the head's tower does not: check its norm (GroupNorm groups and eps) "
                + "and its conv and fc layers"
        case "keypoint.logits" where passed.contains("keypoint.pooled"):
            return "check the keypoint upsampling (Detectron's fixed bilinear deconv vs interpolate) and score_lowres"
        default:
            return failing.name.hasPrefix("rpn.") ? "check the RPN's anchors per position and its objectness layout (sigmoid vs softmax)" : nil
        }
    }
}
