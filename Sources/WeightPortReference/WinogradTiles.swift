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
    /// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]. A tile row at a time: its four output positions are
    /// computed into four contiguous rows first (a loop over tiles that vectorises), then
    /// interleaved into the map's two rows; tiles past an odd edge write only their inside outputs.
    func finishOutput(_ m: UnsafeMutablePointer<Float>, rows: Range<Int>, into output: FeatureMap,
                      epilogue: WinogradEpilogue) {
        let tileCount = rows.count * tileColumns, channels = output.channels
        let (height, width, plane, columns) = (output.height, output.width, output.planeSize, tileColumns)
        let shared = SharedPointers(source: m, matrix: output.pointer)
        ChannelLoop.run(channels, minimumWork: tileCount * 16) { channel in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * columns) { buffer in
                guard let y = buffer.baseAddress else { return }
                for (local, g) in rows.enumerated() {
                    let oy = 2 * (g % tileRows)
                    Self.outputRow(shared.source + channel * tileCount + local * columns,
                                   positionStride: channels * tileCount, count: columns, into: y)
                    let row = ((g / tileRows) * channels + channel) * plane + oy * width
                    epilogue.write(even: y, odd: y + columns, channel: channel, output: shared.matrix, offset: row,
                                   width: width)
                    if oy + 1 < height {
                        epilogue.write(even: y + 2 * columns, odd: y + 3 * columns, channel: channel,
                                       output: shared.matrix, offset: row + width, width: width)
                    }
                }
            }
        }
    }

    /// `Aᵀ M A` of `count` consecutive tiles (position ξ of tile t at `m[ξ · positionStride + t]`)
    /// into `y`: rows y00, y01, y10, y11 of `count` each.
    private static func outputRow(_ m: UnsafeMutablePointer<Float>, positionStride s: Int, count n: Int,
                                  into y: UnsafeMutablePointer<Float>) {
        let (m0, m1, m2, m3) = (m, m + s, m + 2 * s, m + 3 * s)
        let (m4, m5, m6, m7) = (m + 4 * s, m + 5 * s, m + 6 * s, m + 7 * s)
        let (m8, m9, m10, m11) = (m + 8 * s, m + 9 * s, m + 10 * s, m + 11 * s)
        let (m12, m13, m14, m15) = (m + 12 * s, m + 13 * s, m + 14 * s, m + 15 * s)
        for t in 0..<n {
            // Aᵀ down the columns (rows 0–2 summed, and 1 − 2 − 3), then across.
            let s0 = m0[t] + m4[t] + m8[t], s1 = m1[t] + m5[t] + m9[t]
            let s2 = m2[t] + m6[t] + m10[t], s3 = m3[t] + m7[t] + m11[t]
            let d0 = m4[t] - m8[t] - m12[t], d1 = m5[t] - m9[t] - m13[t]
            let d2 = m6[t] - m10[t] - m14[t], d3 = m7[t] - m11[t] - m15[t]
            y[t] = s0 + s1 + s2
            y[n + t] = s1 - s2 - s3
            y[2 * n + t] = d0 + d1 + d2
            y[3 * n + t] = d1 - d2 - d3
        }
    }
}
