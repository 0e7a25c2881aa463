import Foundation

/// Straightforward loop implementations of each op, written from the PyTorch definitions, that the
/// optimised ops are checked against.
enum NaiveOps {
    /// Deterministic pseudo-random values in [-1, 1) (64-bit LCG), so tests need no fixtures.
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53)) * 2 - 1
        }
    }

    /// PyTorch `conv2d` on NCHW, direct summation in Double.
    static func conv(_ x: [Float], _ shape: [Int], weight: [Float], bias: [Float]?, out: Int, kernel: Int,
                     stride: Int, padding: Int, dilation: Int, groups: Int) -> ([Float], [Int]) {
        let (n, cin, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = (h + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
        let ow = (w + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
        let inPerGroup = cin / groups, outPerGroup = out / groups
        var result = [Float](repeating: 0, count: n * out * oh * ow)
        for b in 0..<n { for o in 0..<out { for oy in 0..<oh { for ox in 0..<ow {
            var sum = Double(bias?[o] ?? 0)
            let group = o / outPerGroup
            for ci in 0..<inPerGroup { for ky in 0..<kernel { for kx in 0..<kernel {
                let iy = oy * stride - padding + ky * dilation, ix = ox * stride - padding + kx * dilation
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                let c = group * inPerGroup + ci
                sum += Double(x[((b * cin + c) * h + iy) * w + ix])
                    * Double(weight[((o * inPerGroup + ci) * kernel + ky) * kernel + kx])
            } } }
            result[((b * out + o) * oh + oy) * ow + ox] = Float(sum)
        } } } }
        return (result, [n, out, oh, ow])
    }

    /// PyTorch `max_pool2d` / `avg_pool2d(count_include_pad=False)` output size, from its documentation.
    static func pooledSize(_ size: Int, kernel: Int, stride: Int, padding: Int, ceil: Bool) -> Int {
        let exact = Double(size + 2 * padding - kernel) / Double(stride)
        var out = Int(ceil ? exact.rounded(.up) : exact.rounded(.down)) + 1
        if ceil, (out - 1) * stride >= size + padding { out -= 1 }
        return out
    }

    /// Max (`average == false`) or average pooling over windows clipped to the image.
    static func pool(_ x: [Float], _ shape: [Int], kernel: Int, stride: Int, padding: Int, ceil: Bool,
                     average: Bool) -> ([Float], [Int]) {
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let oh = pooledSize(h, kernel: kernel, stride: stride, padding: padding, ceil: ceil)
        let ow = pooledSize(w, kernel: kernel, stride: stride, padding: padding, ceil: ceil)
        var result: [Float] = []
        for p in 0..<planes { for oy in 0..<oh { for ox in 0..<ow {
            var values: [Float] = []
            for ky in 0..<kernel { for kx in 0..<kernel {
                let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                if iy >= 0, iy < h, ix >= 0, ix < w { values.append(x[(p * h + iy) * w + ix]) }
            } }
            result.append(average ? values.reduce(0, +) / Float(values.count) : values.max() ?? -.infinity)
        } } }
        return (result, [shape[0], shape[1], oh, ow])
    }

    /// Nearest resize: `src = floor(dst * in / out)` (the torch.nn.functional.interpolate rule).
    static func upsample(_ x: [Float], _ shape: [Int], height oh: Int, width ow: Int) -> [Float] {
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        var result: [Float] = []
        for p in 0..<planes { for oy in 0..<oh { for ox in 0..<ow {
            let iy = min(oy * h / oh, h - 1), ix = min(ox * w / ow, w - 1)
            result.append(x[(p * h + iy) * w + ix])
        } } }
        return result
    }

    /// GroupNorm with two-pass statistics in Double.
    static func groupNorm(_ x: [Float], _ shape: [Int], groups: Int, eps: Double, weight: [Float], bias: [Float]) -> [Float] {
        let (n, c, plane) = (shape[0], shape[1], shape[2] * shape[3])
        let perGroup = c / groups
        var result = x
        for b in 0..<n { for g in 0..<groups {
            let start = (b * c + g * perGroup) * plane, values = x[start..<(start + perGroup * plane)]
            let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
            let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
            for i in 0..<(perGroup * plane) {
                let channel = g * perGroup + i / plane
                let normalised = (Double(x[start + i]) - mean) / (variance + eps).squareRoot()
                result[start + i] = Float(normalised * Double(weight[channel]) + Double(bias[channel]))
            }
        } }
        return result
    }

    /// BatchNorm in eval mode (`running_mean`/`running_var`), straight from its formula.
    static func batchNorm(_ x: [Float], _ shape: [Int], weight: [Float], bias: [Float], mean: [Float], variance: [Float],
                          eps: Double) -> [Float] {
        let (c, plane) = (shape[1], shape[2] * shape[3])
        return x.enumerated().map { index, value in
            let ch = index / plane % c
            let normalised = (Double(value) - Double(mean[ch])) / (Double(variance[ch]) + eps).squareRoot()
            return Float(normalised * Double(weight[ch]) + Double(bias[ch]))
        }
    }
}
