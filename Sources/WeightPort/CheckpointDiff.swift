import Foundation
import WeightPortCore
import WeightPortMapping

/// `weightport diff`: are two weight files — of any formats and naming conventions — the same
/// model? Both are brought onto the hub and compared tensor by tensor in the form described by
/// `EffectiveWeights`: renamed, reordered, background-moved, norm-folded and eps-rescaled
/// copies of one model compare equal; anything else is reported with its size.
public enum CheckpointDiff {
    /// The default largest relative difference (see `TensorDifference.maxRelative`) a tensor may
    /// have and still count as equal. Folding a norm in float32 — as every framework's
    /// conversion script does — rounds each operand to 2⁻²⁴ relative and a few operations per
    /// value stay within ~1e-6 of the tensor's largest magnitude (the 34 pairs of
    /// fixtures/conventions measure at most 1.2e-7); 1e-5 leaves room for that and is far
    /// below any change that alters a model.
    public static let defaultTolerance = 1e-5

    /// What to compare.
    public struct Request: Sendable {
        /// Path of the first file (`a` in the report).
        public var a: String
        /// Path of the second file (`b`).
        public var b: String
        /// How to read A (`--from-a`); the convention is detected when `from` is nil.
        public var loadA = CanonicalModelLoader.Options()
        /// How to read B (`--from-b`).
        public var loadB = CanonicalModelLoader.Options()
        /// Largest relative difference per tensor still counted as equal.
        public var tolerance = CheckpointDiff.defaultTolerance

        /// Compares `a` with `b`, conventions detected, at the default tolerance.
        public init(a: String, b: String) {
            self.a = a
            self.b = b
        }
    }

    /// One tensor present with the same shape in both files.
    public struct TensorDifference: Sendable {
        /// Canonical (hub) name; a norm's `weight`/`bias` hold its effective scale/shift.
        public let name: String
        /// Its shape on both sides.
        public let shape: [Int]
        /// max |a − b| over the compared elements.
        public let maxAbsolute: Double
        /// `maxAbsolute / max(max|a|, max|b|)` over the compared elements (0 when both are all
        /// zeros): the difference relative to the tensor's largest magnitude on either side,
        /// so `diff A B` and `diff B A` agree.
        public let maxRelative: Double
        /// Elements compared (rows one side never had are left out).
        public let compared: Int
        /// Why the compared values are not the raw tensors (folded norm, moved background row,
        /// eps, rows left out), per side; nil when both are compared as stored.
        public let transform: String?
        /// The names of A's tensors the values came from.
        public let sourcesA: [String]
        /// The names of B's tensors the values came from.
        public let sourcesB: [String]
        /// Whether `maxRelative` is at most the tolerance.
        public let withinTolerance: Bool
    }

    /// A tensor both files hold with different shapes (not compared element-wise).
    public struct ShapeMismatch: Sendable {
        /// Canonical (hub) name.
        public let name: String
        /// The shape in A.
        public let shapeA: [Int]
        /// The shape in B.
        public let shapeB: [Int]
    }

    /// One side of the comparison, as it was read.
    public struct Side: Sendable {
        /// The path as given.
        public let path: String
        /// The detected file format (`torch-zip`, `pickle`, …).
        public let format: String
        /// The naming convention it was read with (detected or given).
        public let convention: String
        /// The architecture inferred from its tensors (`R-50-FPN`).
        public let architecture: String
        /// Source tensors deliberately not compared (optimizer state, bookkeeping…), by category.
        public let notCompared: [String: Int]
    }

    /// The comparison.
    public struct Outcome: Sendable {
        /// The first file, as read.
        public let a: Side
        /// The second file, as read.
        public let b: Side
        /// The largest relative difference counted as equal.
        public let tolerance: Double
        /// Hub names only A holds.
        public let onlyInA: [String]
        /// Hub names only B holds.
        public let onlyInB: [String]
        /// Tensors both hold with different shapes.
        public let shapeMismatches: [ShapeMismatch]
        /// Every tensor both sides hold with the same shape, in A's order.
        public let tensors: [TensorDifference]
        /// Differences no tensor shows (stride placement, pool1, input channels, pixel
        /// normalisation): the same weights run differently. They do not decide `same`.
        public let warnings: [String]

        /// The tensors beyond the tolerance.
        public var differing: [TensorDifference] { tensors.filter { !$0.withinTolerance } }

        /// Whether both files hold the same tensors, of the same shapes, within the tolerance.
        public var same: Bool {
            onlyInA.isEmpty && onlyInB.isEmpty && shapeMismatches.isEmpty && tensors.allSatisfy(\.withinTolerance)
        }
    }

    /// Reads both files and compares them. Either file failing to read (or to map onto the hub)
    /// is a `FileError` naming it.
    public static func compare(_ request: Request, catalog: MappingCatalog) throws(FileError) -> Outcome {
        let a = try load(request.a, options: request.loadA, catalog: catalog)
        let b = try load(request.b, options: request.loadB, catalog: catalog)
        return compare(a, b, tolerance: request.tolerance)
    }

    /// Compares two models already on the hub.
    public static func compare(_ a: CanonicalModel, _ b: CanonicalModel, tolerance: Double = defaultTolerance) -> Outcome {
        let left = EffectiveWeights(a), right = EffectiveWeights(b)
        var pairs: [(String, EffectiveWeights.Entry, EffectiveWeights.Entry)] = []
        var mismatches: [ShapeMismatch] = []
        for name in left.names {
            guard let x = left[name], let y = right[name] else { continue }
            guard x.shape == y.shape else {
                mismatches.append(ShapeMismatch(name: name, shapeA: x.shape, shapeB: y.shape))
                continue
            }
            pairs.append((name, x, y))
        }
        // Tensors are read and compared one pair at a time on each core.
        let common = pairs
        let tensors = Parallel.map(common.count) { i in difference(common[i].0, common[i].1, common[i].2, tolerance: tolerance) }
        return Outcome(a: side(a, left), b: side(b, right), tolerance: tolerance,
                       onlyInA: left.names.filter { right[$0] == nil }, onlyInB: right.names.filter { left[$0] == nil },
                       shapeMismatches: mismatches, tensors: tensors, warnings: warnings(a, b))
    }

    static func load(_ path: String, options: CanonicalModelLoader.Options, catalog: MappingCatalog) throws(FileError) -> CanonicalModel {
        do {
            return try CanonicalModelLoader.load(path: path, options: options, catalog: catalog)
        } catch let error as FileError {
            throw error
        } catch let error as any Diagnostic {
            throw FileError(path: path, underlying: error)
        } catch {
            throw FileError(path: path, underlying: DiffReadError(reason: String(describing: error)))
        }
    }

    static func difference(_ name: String, _ x: EffectiveWeights.Entry, _ y: EffectiveWeights.Entry,
                           tolerance: Double) -> TensorDifference {
        let (u, v) = (x.values.doubles, y.values.doubles)
        let count = min(u.count, v.count)
        let skip = min(max(x.inventedRows, y.inventedRows) * x.rowSize, count)
        let (maxAbs, scale) = u.withUnsafeBufferPointer { p in
            v.withUnsafeBufferPointer { q in extremes(p, q, from: skip, to: count) }
        }
        let relative = maxAbs == 0 ? 0 : (scale.isFinite && scale > 0 ? maxAbs / scale : .infinity)
        return TensorDifference(name: name, shape: x.shape, maxAbsolute: maxAbs, maxRelative: relative,
                                compared: count - skip, transform: transform(x.explanations, y.explanations),
                                sourcesA: x.sources, sourcesB: y.sources, withinTolerance: relative <= tolerance)
    }

    /// max |p − q| and max(|p|, |q|) over `start..<end`; NaN against NaN counts as equal, a lone
    /// NaN as an infinite difference.
    static func extremes(_ p: UnsafeBufferPointer<Double>, _ q: UnsafeBufferPointer<Double>,
                         from start: Int, to end: Int) -> (maxAbs: Double, scale: Double) {
        var maxAbs = 0.0, scale = 0.0
        var i = start
        while i < end {
            let a = p[i], b = q[i]
            i += 1
            if a.isNaN || b.isNaN {
                if !(a.isNaN && b.isNaN) { maxAbs = .infinity }
                continue
            }
            if a != b { maxAbs = max(maxAbs, abs(a - b)) }
            scale = max(scale, max(abs(a), abs(b)))
        }
        return (maxAbs, scale)
    }

    /// `a: …; b: …`, or `a, b: …` when both sides went through the same steps.
    static func transform(_ a: [String], _ b: [String]) -> String? {
        switch (a.isEmpty, b.isEmpty) {
        case (true, true): return nil
        case _ where a == b: return "a, b: " + a.joined(separator: "; ")
        default:
            return [a.isEmpty ? nil : "a: " + a.joined(separator: "; "), b.isEmpty ? nil : "b: " + b.joined(separator: "; ")]
                .compactMap { $0 }.joined(separator: " | ")
        }
    }

    static func side(_ model: CanonicalModel, _ weights: EffectiveWeights) -> Side {
        Side(path: model.path, format: model.file.format, convention: model.convention, architecture: model.spec.name,
             notCompared: weights.notCompared)
    }

    /// Semantic differences between the two as their conventions run them.
    static func warnings(_ a: CanonicalModel, _ b: CanonicalModel) -> [String] {
        var out: [String] = []
        if a.strideKnown, b.strideKnown, a.spec.strideIn1x1 != b.spec.strideIn1x1, a.spec.block == .bottleneck {
            func place(_ m: CanonicalModel) -> String { m.spec.strideIn1x1 ? "first 1x1" : "3x3" }
            out.append("stride placement: a (\(a.convention)) strides on the \(place(a)) conv, b (\(b.convention)) on the \(place(b))")
        }
        if (a.spec.norm.kind == .group) != (b.spec.norm.kind == .group) {
            func kind(_ m: CanonicalModel) -> String { m.spec.norm.kind == .group ? "GroupNorm" : "BatchNorm/affine" }
            out.append("norms: a uses \(kind(a)), b \(kind(b)); equal values compute different functions")
        }
        if a.spec.stemPool != b.spec.stemPool {
            out.append("pool1: a pools \(a.spec.stemPool.rawValue)-style, b \(b.spec.stemPool.rawValue)-style")
        }
        let (s, t) = (a.semantics, b.semantics)
        if let x = s.inputChannels, let y = t.inputChannels, x != y { out.append("input channels: a expects \(x.rawValue), b \(y.rawValue)") }
        let format = SemanticComparison.format, list = SemanticComparison.list
        if let x = s.pixelScale, let y = t.pixelScale, x != y { out.append("pixel scale: a expects 0–\(format(x)), b 0–\(format(y))") }
        if let x = s.pixelMean, let y = t.pixelMean, x != y { out.append("pixel mean: a expects [\(list(x))], b [\(list(y))]") }
        if let x = s.pixelStd, let y = t.pixelStd, x != y { out.append("pixel std: a expects [\(list(x))], b [\(list(y))]") }
        return out
    }
}

/// A file that failed to load for a reason that is not one of WeightPort's own diagnostics.
struct DiffReadError: Diagnostic {
    let reason: String
    var what: String { "cannot be read: \(reason)" }
    var location: String? { nil }
}
