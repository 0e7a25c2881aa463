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
                if s == 1 {
                    Self.planeStrideOne(input, height: h, width: w, kernel: k, padding: p, filter: filter,
                                        into: out, bias: b, relu: relu)
                    return
                }
                Self.planeStrided(input, height: h, width: w, kernel: k, stride: s, padding: p, filter: filter,
                                  into: out, outHeight: outH, outWidth: outW, bias: b, relu: relu)
            }
        }
        return output
    }

    /// Stride above 1: the plane's columns are first split by phase (column mod stride), so that
    /// every tap reads a contiguous run and is accumulated 8 wide, where it read every s-th value
    /// one by one (0.56 ms against PyTorch's 0.23 on 120×56×56, 3×3, stride 2). Each output still
    /// sums its in-image taps in (ky, kx) order, so the values are unchanged.
    private static func planeStrided(_ input: UnsafeMutablePointer<Float>, height h: Int, width w: Int, kernel k: Int,
                                     stride s: Int, padding p: Int, filter: UnsafePointer<Float>,
                                     into out: UnsafeMutablePointer<Float>, outHeight outH: Int, outWidth outW: Int,
                                     bias: Float, relu: Bool) {
        let phaseWidth = (w + s - 1) / s
        withUnsafeTemporaryAllocation(of: Float.self, capacity: s * h * phaseWidth) { buffer in
            guard let phases = buffer.baseAddress else { return }
            for r in 0..<s {
                for y in 0..<h {
                    let line = input + y * w, phase = phases + (r * h + y) * phaseWidth
                    var x = r, i = 0
                    while x < w { phase[i] = line[x]; x += s; i += 1 }
                }
            }
            for oy in 0..<outH {
                let y0 = oy * s - p
                let row = out + oy * outW
                row.update(repeating: 0, count: outW)
                for ky in max(0, -y0)..<max(max(0, -y0), min(k, h - y0)) {
                    for kx in 0..<k {
                        // Output columns whose input column ox·s − p + kx lies in [0, w).
                        let first = max(0, (p - kx + s - 1) / s)
                        let end = min(outW, (w - 1 + p - kx) >= 0 ? (w - 1 + p - kx) / s + 1 : 0)
                        guard first < end else { continue }
                        // ox·s + (kx − p) = (ox + q)·s + r: phase r, position ox + q.
                        let shift = kx - p
                        let r = ((shift % s) + s) % s, q = (shift - r) / s
                        let source = phases + (r * h + y0 + ky) * phaseWidth + first + q
                        accumulate(row + first, tap: filter[ky * k + kx], source, count: end - first)
                    }
                }
                if relu {
                    for ox in 0..<outW { row[ox] = max(row[ox] + bias, 0) }
                } else if bias != 0 {
                    for ox in 0..<outW { row[ox] += bias }
                }
            }
        }
    }

    /// One stride-1 output plane through a zero-padded copy of its input: each tap is then one
    /// `accumulate` over the whole plane in padded-row coordinates (the columns past `outW` are
    /// computed and dropped), instead of one call per output row and tap — GhostNet's 7×7 and
    /// 14×14 maps made those calls 7–14 floats long, and their overhead the op's cost. Taps are
    /// still summed in (ky, kx) order; a padding tap adds an exact zero, so results are unchanged.
    private static func planeStrideOne(_ input: UnsafeMutablePointer<Float>, height h: Int, width w: Int, kernel k: Int,
                                       padding p: Int, filter: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                       bias: Float, relu: Bool) {
        let (pw, ph) = (w + 2 * p, h + 2 * p)
        let (outH, outW) = (ph - k + 1, pw - k + 1)
        guard outH > 0, outW > 0 else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: ph * pw + outH * pw) { buffer in
            guard let padded = buffer.baseAddress else { return }
            let full = padded + ph * pw
            padded.update(repeating: 0, count: ph * pw)
            for y in 0..<h { (padded + (y + p) * pw + p).update(from: input + y * w, count: w) }
            // The last output's last tap reads padded[ph·pw − 1]: every read stays inside.
            let count = (outH - 1) * pw + outW
            full.update(repeating: 0, count: count)
            for ky in 0..<k {
                for kx in 0..<k { accumulate(full, tap: filter[ky * k + kx], padded + ky * pw + kx, count: count) }
            }
            for oy in 0..<outH {
                let row = out + oy * outW, source = full + oy * pw
                if relu {
                    for ox in 0..<outW { row[ox] = max(source[ox] + bias, 0) }
                } else {
                    for ox in 0..<outW { row[ox] = source[ox] + bias }
                }
            }
        }
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
