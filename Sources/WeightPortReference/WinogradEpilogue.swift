/// What `Winograd3x3`'s output transform does with each finished value: bias, residual, ReLU.
struct WinogradEpilogue: Sendable {
    let bias: [Float]?
    /// Added before the ReLU, read at the output's own index.
    let addend: FeatureMap?
    /// The output already holds a residual to add to.
    let accumulate: Bool
    let relu: Bool

    /// Writes one row of 2×2 tiles `tile(0..<tiles)` at `output + offset` (a row of `width`), and
    /// the row below it when `secondRow`.
    @inline(__always)
    func apply(channel: Int, offset: Int, width: Int, secondRow: Bool, tiles: Int, output: UnsafeMutablePointer<Float>,
               tile: (Int) -> SIMD4<Float>) {
        let shift = bias?[channel] ?? 0
        let extra = addend?.pointer
        for tx in 0..<tiles {
            let y = tile(tx)
            let x = 2 * tx
            store(y[0] + shift, at: offset + x, output: output, extra: extra)
            if x + 1 < width { store(y[1] + shift, at: offset + x + 1, output: output, extra: extra) }
            if secondRow {
                store(y[2] + shift, at: offset + width + x, output: output, extra: extra)
                if x + 1 < width { store(y[3] + shift, at: offset + width + x + 1, output: output, extra: extra) }
            }
        }
    }

    @inline(__always)
    private func store(_ value: Float, at index: Int, output: UnsafeMutablePointer<Float>,
                       extra: UnsafeMutablePointer<Float>?) {
        var result = value
        if accumulate { result += output[index] }
        if let extra { result += extra[index] }
        output[index] = relu ? max(result, 0) : result
    }
}
