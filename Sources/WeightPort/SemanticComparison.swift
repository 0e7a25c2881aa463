import WeightPortMapping
import WeightPortModels

/// Differences between two conventions that no tensor can carry: the user must change the
/// consumer's configuration, or the outputs will differ (CONVENTIONS.md §2.11, §4 #8–#10).
enum SemanticComparison {
    static func warnings(from source: ConventionSemantics, to target: ConventionSemantics, spec: ArchitectureSpec,
                         strideKnown: Bool, swapped: Bool) -> [String] {
        var out: [String] = []
        if let t = target.strideInFirst1x1, t != spec.strideIn1x1, spec.block == .bottleneck {
            guard strideKnown else {
                return ["stride placement: the source's names do not say where its stride is; the target assumes the \(t ? "1x1" : "3x3") (check with verify, or pass --stride-in-1x1)"]
                    + warnings(from: source, to: target, spec: spec, strideKnown: true, swapped: swapped).filter { !$0.hasPrefix("stride") }
            }
            out.append("stride placement: these weights were trained with the stride on the \(spec.strideIn1x1 ? "first 1x1" : "3x3") conv; "
                       + "the target's default is the \(t ? "1x1" : "3x3") (set STRIDE_IN_1X1=\(spec.strideIn1x1 ? "True" : "False") / style='\(spec.strideIn1x1 ? "caffe" : "pytorch")')")
        }
        if let t = target.pool1, case let s = spec.stemPool, s != t {
            out.append("pool1: the source pools \(s == .caffe ? "Caffe-style (no pad, ceil)" : "PyTorch-style (pad 1, floor)"), the target \(t == .caffe ? "Caffe-style" : "PyTorch-style"); early activations will differ")
        }
        if let s = source.inputChannels, let t = target.inputChannels, s != t, !swapped {
            out.append("input channels: the weights expect \(s.rawValue), the target's default input is \(t.rawValue) (convert the input, or use --swap-input-channels)")
        }
        if let s = source.pixelScale, let t = target.pixelScale, s != t {
            out.append("pixel scale: the weights expect 0–\(format(s)) input, the target's default is 0–\(format(t))")
        }
        if let s = source.pixelMean, let t = target.pixelMean, s != t {
            out.append("pixel mean: the weights expect [\(list(s))], the target's default is [\(list(t))]")
        }
        if let s = source.pixelStd, let t = target.pixelStd, s != t {
            out.append("pixel std: the weights expect [\(list(s))], the target's default is [\(list(t))]")
        }
        return out
    }

    static func list(_ xs: [Double]) -> String { xs.map(format).joined(separator: ", ") }

    static func format(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}
