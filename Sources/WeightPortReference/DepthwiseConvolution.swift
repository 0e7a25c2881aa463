/// Depthwise convolution (PyTorch `Conv2d(c, c·m, k, stride, padding, groups=c)`), by direct
/// summation per output plane, with a per-channel bias (a folded norm's shift) and ReLU fused.
///
/// `Convolution` computes the same with `groups = c`, but one sgemm per group with m = 1 and
/// K = k·k rows is a matrix-vector product with per-call overhead: GhostNet's cheap operations and
/// `conv_dw` are depthwise, so a direct loop (parallel over planes) is used for them. Each output
/// sums its k·k taps in row-major tap order in float32, as PyTorch's direct depthwise kernel does.
public struct DepthwiseConvolution: Sendable {
    public let channels: Int
    /// Output channels per input channel (`out = channels · multiplier`; 1 for `conv_dw`).
    public let multiplier: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    /// `[channels · multiplier, 1, k, k]` row-major.
    public let weights: [Float]
    /// Per output channel; nil for none.
    public let bias: [Float]?

    /// Nil when `weights` or `bias` do not have the counts the shape needs.
    public init?(channels: Int, multiplier: Int = 1, kernel: Int, stride: Int = 1, padding: Int, weights: [Float],
                 bias: [Float]? = nil) {
        guard channels > 0, multiplier > 0, kernel > 0, stride > 0, padding >= 0,
              weights.count == channels * multiplier * kernel * kernel,
              bias.map({ $0.count == channels * multiplier }) ?? true else { return nil }
        self.channels = channels
        self.multiplier = multiplier
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.weights = weights
        self.bias = bias
    }

    public var outChannels: Int { channels * multiplier }

    /// Output size along one axis (PyTorch's floor rule).
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }

    /// `relu?(dwconv(x) + bias)`; `x` must have `channels` channels.
    public func apply(_ x: FeatureMap, pool: BufferPool, relu: Bool = false) -> FeatureMap {
        precondition(x.channels == channels, "depthwise conv expects \(channels) channels, got \(x.channels)")
        let outH = outputSize(x.height), outW = outputSize(x.width)
        let output = FeatureMap(batch: x.batch, channels: outChannels, height: outH, width: outW, pool: pool)
        let pointers = SharedPointers(source: x.pointer, matrix: output.pointer)
        let (k, s, p, h, w, m, outC, c) = (kernel, stride, padding, x.height, x.width, multiplier, outChannels, channels)
        let weights = self.weights, bias = self.bias
        ChannelLoop.run(x.batch * outC, minimumWork: outH * outW * k * k) { plane in
            let image = plane / outC, o = plane % outC
            let input = pointers.source + (image * c + o / m) * h * w
            let out = pointers.matrix + plane * outH * outW
            let b = bias?[o] ?? 0
            weights.withUnsafeBufferPointer { all in
                let filter = all.baseAddress! + o * k * k
                for oy in 0..<outH {
                    let y0 = oy * s - p
                    let kyStart = max(0, -y0), kyEnd = min(k, h - y0)
                    for ox in 0..<outW {
                        let x0 = ox * s - p
                        let kxStart = max(0, -x0), kxEnd = min(k, w - x0)
                        var sum: Float = 0
                        if kyStart < kyEnd, kxStart < kxEnd {
                            for ky in kyStart..<kyEnd {
                                let row = input + (y0 + ky) * w + x0, taps = filter + ky * k
                                for kx in kxStart..<kxEnd { sum += row[kx] * taps[kx] }
                            }
                        }
                        let value = sum + b
                        out[oy * outW + ox] = relu ? max(value, 0) : value
                    }
                }
            }
        }
        return output
    }
}
