/// What `Winograd3x3`'s output transform does with each finished value: bias, residual, ReLU.
struct WinogradEpilogue: Sendable {
    let bias: [Float]?
    /// Added before the ReLU, read at the output's own index.
    let addend: FeatureMap?
    /// The output already holds a residual to add to.
    let accumulate: Bool
    let relu: Bool

    /// Interleaves one output row, `row[2t] = even[t]`, `row[2t + 1] = odd[t]` for `width` values
    /// from `output + offset`, then applies the residual and ReLU over the row while it is in cache
    /// (separate contiguous loops vectorise; one loop with every case inside would not).
    func write(even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>, channel: Int,
               output: UnsafeMutablePointer<Float>, offset: Int, width: Int) {
        let shift = bias?[channel] ?? 0
        let row = output + offset, pairs = width / 2
        if accumulate {
            for t in 0..<pairs {
                row[2 * t] += even[t] + shift
                row[2 * t + 1] += odd[t] + shift
            }
            if width % 2 == 1 { row[width - 1] += even[pairs] + shift }
        } else {
            for t in 0..<pairs {
                row[2 * t] = even[t] + shift
                row[2 * t + 1] = odd[t] + shift
            }
            if width % 2 == 1 { row[width - 1] = even[pairs] + shift }
        }
        if let addend {
            let other = addend.pointer + offset
            for i in 0..<width { row[i] += other[i] }
        }
        if relu { for i in 0..<width { row[i] = max(row[i], 0) } }
    }
}
