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

    /// Output size along one axis (PyTorch's floor rule); 0 when the kernel does not fit.
    public func outputSize(_ size: Int) -> Int {
        let span = size + 2 * padding - kernel
        return span < 0 ? 0 : span / stride + 1
    }

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
                    let row = out + oy * outW
                    row.update(repeating: 0, count: outW)
                    // Tap by tap over the whole output row (vectorisable for stride 1): every output
                    // still sums its in-image taps in (ky, kx) order.
                    for ky in max(0, -y0)..<max(max(0, -y0), min(k, h - y0)) {
                        let line = input + (y0 + ky) * w
                        for kx in 0..<k {
                            // Output columns whose input column ox·s − p + kx lies in [0, w).
                            let first = max(0, (p - kx + s - 1) / s)
                            let end = min(outW, (w - 1 + p - kx) >= 0 ? (w - 1 + p - kx) / s + 1 : 0)
                            guard first < end else { continue }
                            let tap = filter[ky * k + kx]
                            let source = line + first * s - p + kx
                            if s == 1 {
                                Self.accumulate(row + first, tap: tap, source, count: end - first)
                            } else {
                                for ox in 0..<(end - first) { row[first + ox] += tap * source[ox * s] }
                            }
                        }
                    }
                    if relu {
                        for ox in 0..<outW { row[ox] = max(row[ox] + b, 0) }
                    } else if b != 0 {
                        for ox in 0..<outW { row[ox] += b }
                    }
                }
            }
        }
        return output
    }

    /// `destination[i] += tap · source[i]` for `count` contiguous floats, eight lanes at a time
    /// (the same float32 multiply and add per element as the scalar loop, so the same result).
    @inline(__always)
    static func accumulate(_ destination: UnsafeMutablePointer<Float>, tap: Float, _ source: UnsafePointer<Float>,
                           count: Int) {
        var i = 0
        while i + 8 <= count {
            let sum = UnsafeRawPointer(destination + i).loadUnaligned(as: SIMD8<Float>.self)
                + UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self) * tap
            UnsafeMutableRawPointer(destination + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            destination[i] += tap * source[i]
            i += 1
        }
    }
}
