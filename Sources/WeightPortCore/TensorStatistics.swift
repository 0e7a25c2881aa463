import CKernels
import Foundation

/// Summary statistics of a tensor's values, accumulated in Double.
///
/// `std` is the population standard deviation (NumPy's default, `ddof=0`). Complex tensors
/// are summarised by their real parts. Empty tensors give NaN everywhere.
public struct TensorStatistics: Sendable, Equatable {
    public var min: Double
    public var max: Double
    public var mean: Double
    public var std: Double

    /// Elements per work item; large tensors are split so both cores share them.
    static let chunk = 1 << 18

    /// Statistics of every tensor, work spread over all cores.
    /// `progress`, when given, is advanced by the number of elements of each finished chunk.
    public static func compute(_ tensors: [Tensor], progress: ProgressSink? = nil) -> [TensorStatistics] {
        let dense = tensors.map { $0.contiguous() }
        var items: [(tensor: Int, range: Range<Int>)] = []
        for (t, tensor) in dense.enumerated() {
            let n = tensor.count
            var start = 0
            repeat {
                let end = Swift.min(n, start + chunk)
                items.append((t, start..<end))
                start = end
            } while start < n
        }
        let work = items
        let partials = Parallel.map(work.count) { i in
            let partial = Partial(dense[work[i].tensor], work[i].range)
            progress?.advance(work[i].range.count)
            return partial
        }
        var merged = [Partial](repeating: Partial(), count: tensors.count)
        for (i, item) in items.enumerated() { merged[item.tensor].merge(partials[i]) }
        return merged.map { $0.statistics }
    }

    public static func compute(_ tensor: Tensor) -> TensorStatistics { compute([tensor])[0] }

    /// Count, mean and sum of squared deviations of one chunk; chunks merge with Chan's formula,
    /// which stays accurate when the mean is large compared to the spread.
    struct Partial {
        var n = 0.0, mean = 0.0, m2 = 0.0
        var lo = Double.infinity, hi = -Double.infinity
        var sawNaN = false

        init() {}

        init(_ t: Tensor, _ range: Range<Int>) {
            guard !range.isEmpty else { return }
            let base = t.storage.base + t.offset * t.dtype.size
            if t.dtype == .float32 {
                accumulateFloat32(base.assumingMemoryBound(to: Float.self), range)
            } else {
                let shift = ElementDecoder.element(base, range.lowerBound, t.dtype)
                var s = 0.0, s2 = 0.0
                for i in range {
                    let v = ElementDecoder.element(base, i, t.dtype)
                    if v.isNaN { sawNaN = true; continue }
                    lo = Swift.min(lo, v); hi = Swift.max(hi, v)
                    let d = v - shift
                    s += d; s2 += d * d
                }
                finish(count: range.count, shift: shift, sum: s, sumSquares: s2)
            }
        }

        /// The hot path, in C (`wp_stats_f32`): AVX2 where the CPU has it, values widened to
        /// float64 before they are summed either way.
        private mutating func accumulateFloat32(_ p: UnsafePointer<Float>, _ range: Range<Int>) {
            let shift = Double(p[range.lowerBound])
            var sum = 0.0, squares = 0.0
            var mn: Float = 0, mx: Float = 0
            wp_stats_f32(p + range.lowerBound, range.count, shift, &sum, &squares, &mn, &mx)
            // NaN never wins a min/max comparison, but it does poison the sum.
            if sum.isNaN || shift.isNaN { sawNaN = true }
            lo = Double(mn); hi = Double(mx)
            finish(count: range.count, shift: shift, sum: sum, sumSquares: squares)
        }

        private mutating func finish(count: Int, shift: Double, sum: Double, sumSquares: Double) {
            n = Double(count)
            let shiftedMean = sum / n
            mean = shift + shiftedMean
            m2 = Swift.max(0, sumSquares - sum * shiftedMean)
        }

        mutating func merge(_ o: Partial) {
            sawNaN = sawNaN || o.sawNaN
            lo = Swift.min(lo, o.lo); hi = Swift.max(hi, o.hi)
            guard o.n > 0 else { return }
            if n == 0 { n = o.n; mean = o.mean; m2 = o.m2; return }
            let total = n + o.n
            let delta = o.mean - mean
            mean += delta * o.n / total
            m2 += o.m2 + delta * delta * n * o.n / total
            n = total
        }

        var statistics: TensorStatistics {
            if sawNaN || n == 0 { return TensorStatistics(min: .nan, max: .nan, mean: .nan, std: .nan) }
            return TensorStatistics(min: lo, max: hi, mean: mean, std: (m2 / n).squareRoot())
        }
    }
}
