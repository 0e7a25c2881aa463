/// Bias, residual add and ReLU for blocks of one product's output, each applied by the core that
/// just computed the block, while it is still in that core's cache.
///
/// `Epilogue.finish` makes a second parallel pass over the whole output after the product: for a
/// 1×1 conv that is a re-read of megabytes the product has already pushed out of cache, and one
/// more dispatch. `Gemm.multiply` calls `apply` on every part right after its sgemm instead.
struct BlockEpilogue: @unchecked Sendable {
    /// Per output row (channel), or nil.
    let bias: UnsafePointer<Float>?
    /// Laid out like the product's output (same leading dimension), or nil.
    let addend: UnsafePointer<Float>?
    let relu: Bool

    /// The same epilogue for a product whose first row is channel `channel` and whose output starts
    /// `offset` floats into the addend's map.
    func shifted(channel: Int, offset: Int) -> BlockEpilogue {
        BlockEpilogue(bias: bias.map { $0 + channel }, addend: addend.map { $0 + offset }, relu: relu)
    }

    /// Nothing to do: the product is the conv's output.
    var isEmpty: Bool { bias == nil && addend == nil && !relu }

    /// `c = relu?(c + bias[row] + addend)` on `rows × columns` of the `ldc`-strided output `c`
    /// (and of `addend`, at the same offsets).
    func apply(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, columns: Range<Int>) {
        guard !isEmpty, !columns.isEmpty else { return }
        for row in rows {
            let values = c + row * ldc + columns.lowerBound, count = columns.count
            let b = bias?[row] ?? 0
            // One loop per case so each vectorises without per-element branches.
            switch (addend.map { $0 + row * ldc + columns.lowerBound }, relu) {
            case let (other?, true): for i in 0..<count { values[i] = max(values[i] + b + other[i], 0) }
            case let (other?, false): for i in 0..<count { values[i] += b + other[i] }
            case (nil, true): for i in 0..<count { values[i] = max(values[i] + b, 0) }
            case (nil, false): for i in 0..<count { values[i] += b }
            }
        }
    }
}
