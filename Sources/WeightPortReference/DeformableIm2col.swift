/// Lowers a band of a deformable convolution's receptive fields into a `[C·k·k, rows·outW]` matrix:
/// each tap is read at its offset position by bilinear interpolation, times the DCNv2 mask.
///
/// The arithmetic follows torchvision's CPU kernel (`torchvision/csrc/ops/cpu/deform_conv2d_kernel.cpp`,
/// `deformable_im2col_kernel` and `bilinear_interpolate`), which is the same index math as the CUDA
/// kernels of maskrcnn-benchmark, detectron2 and mmcv (see `HEADS.md` §6.2), in float32 and in the
/// same order of operations, so a column entry equals torchvision's bit for bit:
/// - input channel `c` belongs to deformable group `c / (C / deformableGroups)`;
/// - the offset map holds, per deformable group (group-major), `2·k·k` channels: channel `2·t` is
///   the y (row) displacement and `2·t + 1` the x (column) displacement of tap `t = i·k + j`;
///   the mask map holds `k·k` channels per deformable group, tap `t` at channel `t`;
/// - the tap of output `(oy, ox)` is read at `y = oy·stride − padding + i·dilation + dy` (likewise x);
/// - a point with `y <= −1`, `y >= H`, `x <= −1` or `x >= W` reads 0; otherwise each of the four
///   neighbours outside `[0, H−1]×[0, W−1]` reads 0 (no clamping, unlike RoIAlign).
struct DeformableIm2col: Sendable {
    let kernel: Int
    let stride: Int
    let padding: Int
    let dilation: Int
    let deformableGroups: Int

    /// Pointers into one image: its input planes, offset planes, mask planes (or nil) and the matrix.
    struct Planes: @unchecked Sendable {
        let input: UnsafePointer<Float>
        let offset: UnsafePointer<Float>
        let mask: UnsafePointer<Float>?
        let matrix: UnsafeMutablePointer<Float>
    }

    /// Fills the matrix for output rows `rows` of `channels` input planes of `height`×`width`;
    /// the offset and mask planes are `outHeight`×`outWidth`.
    func lower(_ planes: Planes, channels: Int, height: Int, width: Int, outHeight: Int, outWidth: Int,
               rows: Range<Int>) {
        let taps = kernel * kernel
        let columns = rows.count * outWidth
        let channelsPerGroup = channels / deformableGroups
        let outPlane = outHeight * outWidth
        ChannelLoop.run(channels * taps, minimumWork: columns * 8) { row in
            let channel = row / taps, tap = row % taps
            let group = channel / channelsPerGroup
            let offsetPlanes = planes.offset + (group * 2 * taps + 2 * tap) * outPlane
            let maskPlane = planes.mask.map { $0 + (group * taps + tap) * outPlane }
            lowerRow(planes.input + channel * height * width, height: height, width: width,
                     ky: tap / kernel, kx: tap % kernel, dy: offsetPlanes, dx: offsetPlanes + outPlane, mask: maskPlane,
                     outWidth: outWidth, rows: rows, into: planes.matrix + row * columns)
        }
    }

    /// One tap `(ky, kx)` of one channel over the band.
    private func lowerRow(_ plane: UnsafePointer<Float>, height: Int, width: Int, ky: Int, kx: Int,
                          dy: UnsafePointer<Float>, dx: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                          outWidth: Int, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        var out = destination
        for oy in rows {
            let baseY = oy * stride - padding + ky * dilation
            for ox in 0..<outWidth {
                let index = oy * outWidth + ox
                let baseX = ox * stride - padding + kx * dilation
                let y = Float(baseY) + dy[index], x = Float(baseX) + dx[index]
                let value = Self.bilinear(plane, height: height, width: width, y: y, x: x)
                out[ox] = mask.map { $0[index] * value } ?? value
            }
            out += outWidth
        }
    }

    /// torchvision's `bilinear_interpolate` for deformable convolution, operation for operation.
    @inline(__always)
    static func bilinear(_ plane: UnsafePointer<Float>, height: Int, width: Int, y: Float, x: Float) -> Float {
        // torchvision: `if (h <= -1 || height <= h || w <= -1 || width <= w) return 0;` — written
        // positively so that a NaN offset also reads 0 instead of reaching Int(NaN).
        guard y > -1, y < Float(height), x > -1, x < Float(width) else { return 0 }
        let yLow = Int(y.rounded(.down)), xLow = Int(x.rounded(.down))
        let yHigh = yLow + 1, xHigh = xLow + 1
        let ly = y - Float(yLow), lx = x - Float(xLow)
        let hy = 1 - ly, hx = 1 - lx
        let v1: Float = yLow >= 0 && xLow >= 0 ? plane[yLow * width + xLow] : 0
        let v2: Float = yLow >= 0 && xHigh <= width - 1 ? plane[yLow * width + xHigh] : 0
        let v3: Float = yHigh <= height - 1 && xLow >= 0 ? plane[yHigh * width + xLow] : 0
        let v4: Float = yHigh <= height - 1 && xHigh <= width - 1 ? plane[yHigh * width + xHigh] : 0
        let w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx
        return w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4
    }
}
