/// Max pooling with PyTorch's rounding (`ceil_mode` false or true) or Caffe's (always ceil).
///
/// PyTorch: `out = floor_or_ceil((n + 2p - k) / s) + 1`, and in ceil mode a window that would start
/// in the right padding is dropped. Caffe pool1 (`pad 0`, ceil) gives the same sizes as PyTorch
/// `ceil_mode=True` with no padding, which is how Detectron.pytorch reproduces it. Padding never
/// wins: windows are clipped to the image.
public struct MaxPool: Sendable {
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let ceilMode: Bool

    /// `ceilMode` true gives Caffe's (and PyTorch `ceil_mode=True`) rounding.
    public init(kernel: Int, stride: Int, padding: Int = 0, ceilMode: Bool = false) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.ceilMode = ceilMode
    }

    /// Output size along one axis.
    public func outputSize(_ size: Int) -> Int {
        PoolGeometry.outputSize(size, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    }

    /// The pooled map, in a buffer from `pool`.
    public func apply(_ x: FeatureMap, pool: BufferPool) -> FeatureMap {
        let outH = outputSize(x.height), outW = outputSize(x.width)
        let output = FeatureMap(batch: x.batch, channels: x.channels, height: outH, width: outW, pool: pool)
        let pointers = SharedPointers(source: x.pointer, matrix: output.pointer)
        let (k, s, p, h, w) = (kernel, stride, padding, x.height, x.width)
        ChannelLoop.run(x.batch * x.channels, minimumWork: outH * outW * k * k) { plane in
            let input = pointers.source + plane * h * w
            var out = pointers.matrix + plane * outH * outW
            // Separable: each output row's window rows are first reduced column by column into
            // `rowMax` (a loop over whole rows, which vectorises), then each output takes the max of
            // its k columns there. The same values are compared, so the result is the same.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: w) { rowMax in
                guard let rowMax = rowMax.baseAddress else { return }
                for oy in 0..<outH {
                    let y0 = max(oy * s - p, 0), y1 = min(oy * s - p + k, h)
                    rowMax.update(repeating: -Float.infinity, count: w)
                    for y in y0..<max(y0, y1) {
                        let row = input + y * w
                        for xx in 0..<w { rowMax[xx] = max(rowMax[xx], row[xx]) }
                    }
                    for ox in 0..<outW {
                        let x0 = max(ox * s - p, 0), x1 = min(ox * s - p + k, w)
                        var best = -Float.infinity
                        for xx in x0..<max(x0, x1) { best = max(best, rowMax[xx]) }
                        out.pointee = best
                        out += 1
                    }
                }
            }
        }
        return output
    }
}

/// Output-size arithmetic shared by the pools.
enum PoolGeometry {
    static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int, ceilMode: Bool) -> Int {
        let span = size + 2 * padding - kernel
        var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        // PyTorch: the last window must start inside the image or the left padding.
        if ceilMode, (out - 1) * stride >= size + padding { out -= 1 }
        return out
    }
}
