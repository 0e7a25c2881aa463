/// Average pooling as PyTorch's `AvgPool2d(k, s, ceil_mode=True, count_include_pad=False)` in the
/// ResNetV1d `avg_down` shortcut: each window averages only the pixels inside the image.
public struct AvgPool: Sendable {
    public let kernel: Int
    public let stride: Int
    public let ceilMode: Bool

    /// A `kernel`×`kernel` window moved by `stride`, without padding.
    public init(kernel: Int, stride: Int, ceilMode: Bool = true) {
        self.kernel = kernel
        self.stride = stride
        self.ceilMode = ceilMode
    }

    /// Output size along one axis.
    public func outputSize(_ size: Int) -> Int {
        PoolGeometry.outputSize(size, kernel: kernel, stride: stride, padding: 0, ceilMode: ceilMode)
    }

    /// The pooled map, in a buffer from `pool`.
    public func apply(_ x: FeatureMap, pool: BufferPool) -> FeatureMap {
        let outH = outputSize(x.height), outW = outputSize(x.width)
        let output = FeatureMap(batch: x.batch, channels: x.channels, height: outH, width: outW, pool: pool)
        let pointers = SharedPointers(source: x.pointer, matrix: output.pointer)
        let (k, s, h, w) = (kernel, stride, x.height, x.width)
        ChannelLoop.run(x.batch * x.channels, minimumWork: outH * outW * k * k) { plane in
            let input = pointers.source + plane * h * w
            var out = pointers.matrix + plane * outH * outW
            for oy in 0..<outH {
                let y0 = oy * s, y1 = min(oy * s + k, h)
                for ox in 0..<outW {
                    let x0 = ox * s, x1 = min(ox * s + k, w)
                    var sum: Float = 0
                    for y in y0..<y1 {
                        for xx in x0..<x1 { sum += input[y * w + xx] }
                    }
                    out.pointee = sum / Float((y1 - y0) * (x1 - x0))
                    out += 1
                }
            }
        }
        return output
    }
}
