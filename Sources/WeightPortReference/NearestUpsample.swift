/// Nearest-neighbour resize to a given size, index for index as
/// `torch.nn.functional.interpolate(mode='nearest', size=…)`.
///
/// PyTorch picks `src = min(floor(dst * (Float(in) / Float(out))), in - 1)`, with exact shortcuts
/// for equal sizes and for exactly twice the size (`dst >> 1`); the float scale matters when a
/// pyramid level's size is odd (e.g. 25 → 50 is ×2, but 13 → 25 is not).
public enum NearestUpsample {
    /// The source index PyTorch reads for output index `index`.
    public static func sourceIndex(_ index: Int, input: Int, output: Int) -> Int {
        if output == input { return index }
        if output == 2 * input { return index >> 1 }
        let scale = Float(input) / Float(output)
        return min(Int((Float(index) * scale).rounded(.down)), input - 1)
    }

    /// `target += resize(x, to: target's size)`, in place (FPN's top-down sum).
    public static func add(_ x: FeatureMap, into target: FeatureMap) {
        precondition(x.batch == target.batch && x.channels == target.channels, "upsample-add needs matching channels")
        let (outH, outW, h, w) = (target.height, target.width, x.height, x.width)
        let rows = (0..<outH).map { sourceIndex($0, input: h, output: outH) }
        let columns = (0..<outW).map { sourceIndex($0, input: w, output: outW) }
        let pointers = SharedPointers(source: x.pointer, matrix: target.pointer)
        ChannelLoop.run(x.batch * x.channels, minimumWork: outH * outW) { plane in
            let input = pointers.source + plane * h * w
            var out = pointers.matrix + plane * outH * outW
            for oy in 0..<outH {
                let row = input + rows[oy] * w
                for ox in 0..<outW { out[ox] += row[columns[ox]] }
                out += outW
            }
        }
    }

    /// `resize(x, height, width)` into a new map.
    public static func apply(_ x: FeatureMap, height: Int, width: Int, pool: BufferPool) -> FeatureMap {
        let output = FeatureMap(batch: x.batch, channels: x.channels, height: height, width: width, pool: pool)
        output.pointer.update(repeating: 0, count: output.count)
        add(x, into: output)
        return output
    }
}
