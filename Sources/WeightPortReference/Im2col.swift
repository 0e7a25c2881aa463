/// Lowers a band of a convolution's receptive fields into a `[C·k·k, rows·outW]` matrix.
struct Im2col: Sendable {
    let kernel: Int
    let stride: Int
    let padding: Int
    let dilation: Int

    /// Fills `matrix` for output rows `rows` of `channels` planes at `source`; out-of-image taps are 0.
    /// `serial`: the caller already keeps every core busy; lower on this thread only.
    func lower(_ source: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int, rows: Range<Int>,
               outWidth: Int, into matrix: UnsafeMutablePointer<Float>, serial: Bool = false) {
        let taps = kernel * kernel
        let columns = rows.count * outWidth
        let shared = SharedPointers(source: source, matrix: matrix)
        let loop: (Int, Int, @Sendable (Int) -> Void) -> Void = serial
            ? { count, _, body in for row in 0..<count { body(row) } } : { ChannelLoop.run($0, minimumWork: $1, $2) }
        loop(channels * taps, columns) { row in
            let channel = row / taps, ky = row % taps / kernel, kx = row % kernel
            let plane = shared.source + channel * height * width
            let destination = shared.matrix + row * columns
            lowerRow(plane, height: height, width: width, ky: ky, kx: kx, rows: rows, outWidth: outWidth,
                     into: destination)
        }
    }

    /// One tap `(ky, kx)` of one channel over the band.
    private func lowerRow(_ plane: UnsafeMutablePointer<Float>, height: Int, width: Int, ky: Int, kx: Int,
                          rows: Range<Int>, outWidth: Int, into destination: UnsafeMutablePointer<Float>) {
        let xOffset = kx * dilation - padding
        // Output columns whose input column lies inside the image: ox*stride + xOffset in [0, width).
        let firstX = min(outWidth, max(0, (-xOffset + stride - 1) / stride))
        let endX = max(firstX, min(outWidth, xOffset >= width ? 0 : (width - 1 - xOffset) / stride + 1))
        var out = destination
        for oy in rows {
            let iy = oy * stride - padding + ky * dilation
            if iy < 0 || iy >= height || firstX >= endX {
                out.update(repeating: 0, count: outWidth)
            } else {
                out.update(repeating: 0, count: firstX)
                let input = plane + iy * width + firstX * stride + xOffset
                if stride == 1 {
                    (out + firstX).update(from: input, count: endX - firstX)
                } else {
                    for ox in 0..<(endX - firstX) { out[firstX + ox] = input[ox * stride] }
                }
                (out + endX).update(repeating: 0, count: outWidth - endX)
            }
            out += outWidth
        }
    }
}

/// Raw pointers handed to concurrent workers writing disjoint rows.
struct SharedPointers: @unchecked Sendable {
    let source: UnsafeMutablePointer<Float>
    let matrix: UnsafeMutablePointer<Float>
}
