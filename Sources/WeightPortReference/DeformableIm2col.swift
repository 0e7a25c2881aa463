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
    /// Per tap and output position: four neighbour indices into a plane and their weights.
    struct SampleTable: @unchecked Sendable {
        let indices: UnsafeMutablePointer<Int>
        let weights: UnsafeMutablePointer<Float>
    }

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
    ///
    /// Two passes: the sampling (four neighbour indices and bilinear weights) of every tap and
    /// output position depends only on the deformable group, so it is computed once per group and
    /// then applied to each of the group's channels. The weights and the sum
    /// `w1·v1 + w2·v2 + w3·v3 + w4·v4` (a neighbour outside the map reads 0) are torchvision's,
    /// operation for operation, so the result is the same as sampling channel by channel.
    func lower(_ planes: Planes, channels: Int, height: Int, width: Int, outHeight: Int, outWidth: Int,
               rows: Range<Int>) {
        let taps = kernel * kernel
        let columns = rows.count * outWidth
        let channelsPerGroup = channels / deformableGroups
        let outPlane = outHeight * outWidth
        let samples = deformableGroups * taps * columns
        let table = SampleTable(indices: .allocate(capacity: 4 * samples), weights: .allocate(capacity: 4 * samples))
        defer {
            table.indices.deallocate()
            table.weights.deallocate()
        }
        ChannelLoop.run(deformableGroups * taps, minimumWork: columns * 16) { row in
            let group = row / taps, tap = row % taps
            let offsetPlanes = planes.offset + (group * 2 * taps + 2 * tap) * outPlane
            sampleRow(height: height, width: width, ky: tap / kernel, kx: tap % kernel, dy: offsetPlanes,
                      dx: offsetPlanes + outPlane, outWidth: outWidth, rows: rows,
                      indices: table.indices + 4 * row * columns, weights: table.weights + 4 * row * columns)
        }
        let firstIndex = rows.lowerBound * outWidth
        ChannelLoop.run(channels * taps, minimumWork: columns * 4) { row in
            let channel = row / taps, tap = row % taps
            let sampling = (channel / channelsPerGroup) * taps + tap
            let plane = planes.input + channel * height * width
            let indices = table.indices + 4 * sampling * columns, weights = table.weights + 4 * sampling * columns
            let out = planes.matrix + row * columns
            let mask = planes.mask.map { $0 + (channel / channelsPerGroup * taps + tap) * outPlane + firstIndex }
            for column in 0..<columns {
                let i = indices + 4 * column, w = weights + 4 * column
                let v1: Float = i[0] >= 0 ? plane[i[0]] : 0
                let v2: Float = i[1] >= 0 ? plane[i[1]] : 0
                let v3: Float = i[2] >= 0 ? plane[i[2]] : 0
                let v4: Float = i[3] >= 0 ? plane[i[3]] : 0
                let value = w[0] * v1 + w[1] * v2 + w[2] * v3 + w[3] * v4
                out[column] = mask.map { $0[column] * value } ?? value
            }
        }
    }

    /// The neighbour indices (−1 outside the map) and bilinear weights of one tap `(ky, kx)` of one
    /// deformable group over the band; a point outside the sampling range gets weights 0.
    private func sampleRow(height: Int, width: Int, ky: Int, kx: Int, dy: UnsafePointer<Float>,
                           dx: UnsafePointer<Float>, outWidth: Int, rows: Range<Int>,
                           indices: UnsafeMutablePointer<Int>, weights: UnsafeMutablePointer<Float>) {
        var column = 0
        for oy in rows {
            let baseY = oy * stride - padding + ky * dilation
            for ox in 0..<outWidth {
                let index = oy * outWidth + ox
                let baseX = ox * stride - padding + kx * dilation
                let y = Float(baseY) + dy[index], x = Float(baseX) + dx[index]
                let i = indices + 4 * column, w = weights + 4 * column
                column += 1
                // torchvision: `if (h <= -1 || height <= h || w <= -1 || width <= w) return 0;` — written
                // positively so that a NaN offset also reads 0 instead of reaching Int(NaN).
                guard y > -1, y < Float(height), x > -1, x < Float(width) else {
                    i.update(repeating: -1, count: 4)
                    w.update(repeating: 0, count: 4)
                    continue
                }
                let yLow = Int(y.rounded(.down)), xLow = Int(x.rounded(.down))
                let yHigh = yLow + 1, xHigh = xLow + 1
                let ly = y - Float(yLow), lx = x - Float(xLow)
                let hy = 1 - ly, hx = 1 - lx
                i[0] = yLow >= 0 && xLow >= 0 ? yLow * width + xLow : -1
                i[1] = yLow >= 0 && xHigh <= width - 1 ? yLow * width + xHigh : -1
                i[2] = yHigh <= height - 1 && xLow >= 0 ? yHigh * width + xLow : -1
                i[3] = yHigh <= height - 1 && xHigh <= width - 1 ? yHigh * width + xHigh : -1
                w[0] = hy * hx
                w[1] = hy * lx
                w[2] = ly * hx
                w[3] = ly * lx
            }
        }
    }

    /// torchvision's `bilinear_interpolate` for deformable convolution, operation for operation, for one
    /// point (the reference `lower`'s two passes reproduce; used by the tests).
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
