/// The data transforms of `Winograd3x3` over a band of tile rows.
///
/// Tile row `g` of a band is tile row `g % tileRows` of image `g / tileRows`; a band's tiles are
/// numbered row by row, so the products' columns are `[band tile rows × tileColumns]`.
struct WinogradTiles: Sendable {
    let padding: Int
    let tileRows: Int
    let tileColumns: Int

    /// `V_ξ[c][t] = (Bᵀ d B)_ξ` for every channel and tile of the band, `[16][channels][tiles]`.
    ///
    /// Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]. Done separably: down the
    /// columns of four zero-padded input rows at once (contiguous, so it vectorises), then across
    /// each tile's four columns.
    func lowerInput(_ x: FeatureMap, rows: Range<Int>, into v: UnsafeMutablePointer<Float>) {
        let tileCount = rows.count * tileColumns, channels = x.channels, plane = x.planeSize
        let (height, width, padded) = (x.height, x.width, 2 * tileColumns + 2)
        let shared = SharedPointers(source: x.pointer, matrix: v)
        ChannelLoop.run(channels, minimumWork: tileCount * 16) { channel in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * padded) { buffer in
                guard let r = buffer.baseAddress else { return }
                for (local, g) in rows.enumerated() {
                    let source = shared.source + ((g / tileRows) * channels + channel) * plane
                    let top = 2 * (g % tileRows) - padding
                    for i in 0..<4 {
                        loadRow(source, row: top + i, height: height, width: width, into: r + i * padded, count: padded)
                    }
                    transformColumns(r, count: padded)
                    let out = shared.matrix + channel * tileCount + local * tileColumns
                    transformRows(r, count: padded, into: out, positionStride: channels * tileCount)
                }
            }
        }
    }

    /// One input row shifted right by `padding`, zeros outside the image.
    private func loadRow(_ plane: UnsafeMutablePointer<Float>, row: Int, height: Int, width: Int,
                         into destination: UnsafeMutablePointer<Float>, count: Int) {
        guard row >= 0, row < height else {
            destination.update(repeating: 0, count: count)
            return
        }
        let copied = max(0, min(width, count - padding))
        destination.update(repeating: 0, count: padding)
        (destination + padding).update(from: plane + row * width, count: copied)
        (destination + padding + copied).update(repeating: 0, count: count - padding - copied)
    }

    /// Bᵀ applied down the four rows `r[0..<4·count]`, in place.
    private func transformColumns(_ r: UnsafeMutablePointer<Float>, count: Int) {
        let (r0, r1, r2, r3) = (r, r + count, r + 2 * count, r + 3 * count)
        for j in 0..<count {
            let d0 = r0[j], d1 = r1[j], d2 = r2[j], d3 = r3[j]
            r0[j] = d0 - d2
            r1[j] = d1 + d2
            r2[j] = d2 - d1
            r3[j] = d1 - d3
        }
    }

    /// B applied across each tile's four columns of each transformed row; ξ = 4·row + column.
    private func transformRows(_ r: UnsafeMutablePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>,
                               positionStride: Int) {
        for i in 0..<4 {
            let row = r + i * count
            let o0 = out + 4 * i * positionStride, o1 = o0 + positionStride
            let o2 = o1 + positionStride, o3 = o2 + positionStride
            for t in 0..<tileColumns {
                let a = row[2 * t], b = row[2 * t + 1], c = row[2 * t + 2], d = row[2 * t + 3]
                o0[t] = a - c
                o1[t] = b + c
                o2[t] = c - b
                o3[t] = b - d
            }
        }
    }

    /// `Y = Aᵀ M A` for every output channel and tile of the band, through `epilogue`, into `output`.
    ///
    /// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]; tiles past an odd edge write only their inside outputs.
    func finishOutput(_ m: UnsafeMutablePointer<Float>, rows: Range<Int>, into output: FeatureMap,
                      epilogue: WinogradEpilogue) {
        let tileCount = rows.count * tileColumns, channels = output.channels
        let (height, width, plane) = (output.height, output.width, output.planeSize)
        let shared = SharedPointers(source: m, matrix: output.pointer)
        ChannelLoop.run(channels, minimumWork: tileCount * 16) { channel in
            let positionStride = channels * tileCount
            for (local, g) in rows.enumerated() {
                let image = g / tileRows, oy = 2 * (g % tileRows)
                let offset = (image * channels + channel) * plane
                let products = shared.source + channel * tileCount + local * tileColumns
                epilogue.apply(channel: channel, offset: offset + oy * width, width: width, secondRow: oy + 1 < height,
                               tiles: tileColumns, output: shared.matrix) { tx in
                    Self.outputTile(products + tx, positionStride: positionStride)
                }
            }
        }
    }

    /// `Aᵀ M A` of the tile whose position ξ value is at `m[ξ · positionStride]`.
    @inline(__always)
    static func outputTile(_ m: UnsafeMutablePointer<Float>, positionStride s: Int) -> SIMD4<Float> {
        func row(_ i: Int) -> SIMD4<Float> { SIMD4(m[4 * i * s], m[(4 * i + 1) * s], m[(4 * i + 2) * s], m[(4 * i + 3) * s]) }
        let m0 = row(0), m1 = row(1), m2 = row(2), m3 = row(3)
        let sum = m0 + m1 + m2, difference = m1 - m2 - m3
        return SIMD4(sum[0] + sum[1] + sum[2], sum[1] - sum[2] - sum[3],
                     difference[0] + difference[1] + difference[2], difference[1] - difference[2] - difference[3])
    }
}
