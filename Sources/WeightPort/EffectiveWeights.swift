import Foundation
import WeightPortCore
import WeightPortMapping

/// One model's tensors in the form `diff` compares them: hub names, values in float64, and
/// every representation choice that does not change what the model computes taken out:
/// - a norm with running statistics becomes its effective per-channel `scale = w/√(var+eps)`
///   and `shift = b − mean·scale` (named `….norm.weight` and `….norm.bias`, like an affine
///   norm's), so BatchNorm, FrozenBatchNorm, affine channels and Caffe's BatchNorm+Scale with
///   any eps compare as the function they compute; GroupNorms stay as they are;
/// - a stem conv bias is folded into the stem norm's shift (`+ scale·bias`), exactly as a
///   target without one receives it;
/// - predictor rows the mapping invented (background box rows and mask channel of a
///   background-last source) are marked, so they are not compared.
///
/// The mapping onto the hub has already renamed, reordered and moved background classes.
struct EffectiveWeights: Sendable {
    /// A tensor as stored (read only when compared, so that two large checkpoints never sit
    /// in memory as float64 at once), or values computed here.
    enum Values: Sendable {
        case stored(Tensor)
        case computed([Double])

        var doubles: [Double] {
            switch self {
            case .stored(let tensor): return tensor.doubles()
            case .computed(let values): return values
            }
        }
    }

    struct Entry: Sendable {
        var values: Values
        var shape: [Int]
        /// How these values differ from the file's raw tensor, for the report.
        var explanations: [String] = []
        /// Names of the file's tensors they were computed from.
        var sources: [String]
        /// Leading rows along the class axis that the file never had (filled by the mapping).
        var inventedRows = 0

        /// Elements per row of the first axis.
        var rowSize: Int { shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1 }
        var count: Int { Tensor.elementCount(shape) }
    }

    private(set) var names: [String] = []
    private(set) var entries: [String: Entry] = [:]
    /// Source tensors not compared (optimizer state, bookkeeping, unused biases), by category.
    let notCompared: [String: Int]

    subscript(name: String) -> Entry? { entries[name] }

    init(_ model: CanonicalModel) {
        notCompared = model.report.unused.mapValues(\.count).filter { $0.value > 0 }
        let weights = model.weights
        for (name, tensor) in weights.tensors {
            var entry = Entry(values: .stored(tensor), shape: tensor.shape, sources: weights.sources[name] ?? [name])
            if let how = weights.transforms[name] { Self.explain(how, into: &entry) }
            add(name, entry)
        }
        let defaultEps = Double(model.spec.norm.eps)
        for path in weights.normPaths where !model.groupNormPaths.contains(path) {
            fold(path, eps: Self.decimal(weights.normEps[path] ?? defaultEps))
        }
        if !model.groupNormPaths.contains("stem.conv1.norm") { foldStemBias() }
        // Tensors no rule knows are compared under their own names.
        if !model.report.unknown.isEmpty {
            let raw = CheckpointUnwrapper.unwrap(model.file.tensors, containers: model.container.map { [$0] } ?? []).weights
            for name in model.report.unknown where entries[name] == nil {
                guard let tensor = raw[name] else { continue }
                add(name, Entry(values: .stored(tensor), shape: tensor.shape,
                                explanations: ["no mapping rule knows it: compared under its own name"], sources: [name]))
            }
        }
    }

    private mutating func add(_ name: String, _ entry: Entry) {
        if entries[name] == nil { names.append(name) }
        entries[name] = entry
    }

    private mutating func remove(_ name: String) {
        guard entries.removeValue(forKey: name) != nil else { return }
        names.removeAll { $0 == name }
    }

    /// The mapping's transform names, said the way a reader of the diff needs them.
    private static func explain(_ how: String, into entry: inout Entry) {
        switch how {
        case "caffe_batchnorm":
            entry.explanations.append("Caffe BatchNorm+Scale: statistics divided by the moving-average factor")
        case "background_last":
            entry.explanations.append("background class moved from the last row to the first")
        case "drop_background_box_rows":
            entry.inventedRows = 4
            entry.explanations.append("no background box rows (background last): the first 4 rows are not compared")
        case "drop_background_mask_channel":
            entry.inventedRows = 1
            entry.explanations.append("no background mask channel (background last): the first channel is not compared")
        default:
            entry.explanations.append(how)
        }
    }

    /// BatchNorm → effective scale and shift, in float64; an affine norm already is one.
    private mutating func fold(_ path: String, eps: Double) {
        guard let weight = entries[path + ".weight"], let bias = entries[path + ".bias"],
              let mean = entries[path + ".running_mean"], let variance = entries[path + ".running_var"] else { return }
        let (w, b, m, v) = (weight.values.doubles, bias.values.doubles, mean.values.doubles, variance.values.doubles)
        let n = w.count
        guard b.count == n, m.count == n, v.count == n else { return }
        let scale = (0..<n).map { w[$0] / (v[$0] + eps).squareRoot() }
        let shift = (0..<n).map { b[$0] - m[$0] * scale[$0] }
        let how = "BatchNorm (eps \(Self.number(eps))) as its effective per-channel "
        var newWeight = weight, newBias = bias
        newWeight.values = .computed(scale)
        newWeight.explanations = Self.merged(weight.explanations + variance.explanations) + [how + "scale w/sqrt(var+eps)"]
        newWeight.sources = Self.union(weight.sources, variance.sources)
        newBias.values = .computed(shift)
        newBias.explanations = Self.merged(bias.explanations + mean.explanations) + [how + "shift b - mean*scale"]
        newBias.sources = Self.union(bias.sources, mean.sources, variance.sources, weight.sources)
        entries[path + ".weight"] = newWeight
        entries[path + ".bias"] = newBias
        remove(path + ".running_mean")
        remove(path + ".running_var")
    }

    /// A stem conv bias c followed by a norm y = scale·x + shift is the norm with shift + scale·c.
    private mutating func foldStemBias() {
        let path = "stem.conv1.norm"
        guard let conv = entries["stem.conv1.bias"], let scale = entries[path + ".weight"], var shift = entries[path + ".bias"],
              entries[path + ".running_var"] == nil else { return }
        let (c, s, t) = (conv.values.doubles, scale.values.doubles, shift.values.doubles)
        guard c.count == t.count, s.count == t.count else { return }
        shift.values = .computed((0..<t.count).map { t[$0] + s[$0] * c[$0] })
        shift.explanations.append("stem conv bias folded in: shift + scale*conv_bias")
        shift.sources = Self.union(shift.sources, conv.sources)
        entries[path + ".bias"] = shift
        remove("stem.conv1.bias")
    }

    private static func merged(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    private static func union(_ lists: [String]...) -> [String] { merged(lists.flatMap { $0 }) }

    static func number(_ x: Double) -> String { String(format: "%g", x) }

    /// An eps that travelled through float32 (architecture specs, Caffe layer parameters) read
    /// back as the decimal it was written as (9.99999974737875e-06 → 1e-05), so that the same
    /// eps on both sides folds identically.
    static func decimal(_ eps: Double) -> Double {
        let single = Float(eps)
        guard Double(single) == eps else { return eps }
        return Double(String(describing: single)) ?? eps
    }
}
