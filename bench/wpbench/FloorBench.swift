// The floors a forward pass is measured against (issue #14), timed in the same process as it:
// - `sgemm`: one 2048×2048×2048 product the way the forward pass multiplies (split over the cores,
//   single-threaded OpenBLAS parts), i.e. the machine's sgemm rate at the same thread count;
// - `floor`: OpenBLAS alone on exactly the network's products (every conv's and linear's m×n×k,
//   groups included, no im2col, no epilogue): what the pass would take if only sgemm cost time;
// - `trace`: one pass with `GemmTrace` on, as JSON: the conv+linear FLOPs and where the time went.
import Foundation
import WeightPortReference

/// Operand buffers sized for the largest product, reused for every timing.
final class FloorBench {
    let shapes: [GemmTrace.Entry]
    private var a: [Float], b: [Float], c: [Float]

    init(shapes: [GemmTrace.Entry]) {
        self.shapes = shapes
        let largest = { (size: (GemmTrace.Entry) -> Int) in max(shapes.map(size).max() ?? 0, 2048 * 2048) }
        a = randomValues(largest { $0.m * $0.k }, seed: 1, scale: 0.1)
        b = randomValues(largest { $0.k * $0.n }, seed: 2, scale: 0.1)
        c = [Float](repeating: 0, count: largest { $0.m * $0.n })
    }

    /// Milliseconds of one 2048³ product.
    func sgemm2048() -> Double { milliseconds { multiply(m: 2048, n: 2048, k: 2048) } }

    /// Milliseconds of every traced product back to back.
    func perShapeFloor() -> Double {
        milliseconds {
            for entry in shapes {
                for _ in 0..<entry.groups { multiply(m: entry.m, n: entry.n, k: entry.k) }
            }
        }
    }

    private func multiply(m: Int, n: Int, k: Int) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    ReferenceBLAS.multiply(m: m, n: n, k: k, a: a.baseAddress!, b: b.baseAddress!, c: c.baseAddress!)
                }
            }
        }
    }

    /// The traced pass as one JSON line: total FLOPs, traced milliseconds, and per layer kind the
    /// count, FLOPs and milliseconds.
    static func summary(_ entries: [GemmTrace.Entry], passMilliseconds: Double) -> String {
        var kinds: [String: (count: Int, flops: Double, ms: Double)] = [:]
        for entry in entries {
            let old = kinds[entry.kind] ?? (0, 0, 0)
            kinds[entry.kind] = (old.count + 1, old.flops + entry.flops, old.ms + entry.milliseconds)
        }
        let rows = kinds.sorted { $0.value.ms > $1.value.ms }.map { kind, value in
            "\"\(kind)\": {\"layers\": \(value.count), \"gflop\": \(value.flops / 1e9), \"ms\": \(value.ms)}"
        }
        let flops = entries.reduce(0) { $0 + $1.flops }
        return "{\"gflop\": \(flops / 1e9), \"pass_ms\": \(passMilliseconds), \"layers\": \(entries.count), "
            + "\"kinds\": {\(rows.joined(separator: ", "))}}"
    }
}
