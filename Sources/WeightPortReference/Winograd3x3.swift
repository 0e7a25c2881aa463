import WeightPortCore

/// A 3×3 stride-1 convolution by Winograd's F(2×2, 3×3) (Lavin & Gray 2015): each 2×2 output tile
/// is `Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A` over a 4×4 input tile `d`, so the channel sums become 16 products
/// `M_ξ = U_ξ · V_ξ` of `[out × in]` by `[in × tiles]`: 16·out·in multiply-adds per 4 outputs
/// where im2col's product needs 36·out·in. The transforms are cheap additions; the weights' `U` is
/// computed once, at load. Bias, residual and ReLU are applied in the output transform, which
/// visits every output anyway.
///
/// Tiles are taken in bands of whole tile rows (across the images of a batch, so a head's 100 small
/// RoIs make one wide product) sized so the two scratch matrices stay within `scratchLimit` floats.
/// Benchmarks and rounding are documented in the README ("Benchmarks"); the products are still
/// counted at the conv's nominal FLOPs there.
struct Winograd3x3: Sendable {
    let inChannels: Int
    let outChannels: Int
    let padding: Int
    /// `[16][out][in]`: `G g Gᵀ` for every (out, in) pair, position ξ = 4·row + column.
    let transformed: [Float]

    /// `weights` is `[out, in, 3, 3]` row-major.
    init(inChannels: Int, outChannels: Int, padding: Int, weights: [Float]) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.padding = padding
        let plane = outChannels * inChannels
        // Without a temporary per (out, in) pair: a keypoint head has 2 M of them, and
        // allocating would make loading the model slower than running it.
        transformed = [Float](unsafeUninitializedCapacity: 16 * plane) { u, initialized in
            weights.withUnsafeBufferPointer { w in
                guard let g = w.baseAddress, let base = u.baseAddress else { return }
                for pair in 0..<plane { Self.kernelTransform(g + pair * 9, into: base + pair, stride: plane) }
            }
            initialized = 16 * plane
        }
    }

    /// `G g Gᵀ` with G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]] for the 3×3 kernel at `g`,
    /// position ξ written at `u[ξ · stride]`.
    private static func kernelTransform(_ g: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, stride: Int) {
        func apply(_ a: Float, _ b: Float, _ c: Float) -> SIMD4<Float> { SIMD4(a, (a + b + c) / 2, (a - b + c) / 2, c) }
        let c0 = apply(g[0], g[3], g[6]), c1 = apply(g[1], g[4], g[7]), c2 = apply(g[2], g[5], g[8])  // G g, by column
        for i in 0..<4 {
            let row = apply(c0[i], c1[i], c2[i])
            for j in 0..<4 { u[(4 * i + j) * stride] = row[j] }
        }
    }

    /// Output tile rows and columns of an `outH × outW` map.
    static func tiles(_ outH: Int, _ outW: Int) -> (rows: Int, columns: Int) { ((outH + 1) / 2, (outW + 1) / 2) }

    /// Tile rows per band for `scratchLimit` floats in each scratch matrix.
    func bandRows(tileColumns: Int, totalRows: Int, scratchLimit: Int) -> Int {
        max(1, min(totalRows, scratchLimit / (16 * max(inChannels, outChannels) * tileColumns)))
    }

    /// `output = relu?(conv(x) + bias + addend)` (`accumulate`: output already holds the residual).
    func apply(_ x: FeatureMap, into output: FeatureMap, bias: [Float]?, addend: FeatureMap?, accumulate: Bool,
               relu: Bool, pool: BufferPool, scratchLimit: Int) {
        let grid = Self.tiles(output.height, output.width)
        let totalRows = x.batch * grid.rows
        let rowsPerBand = bandRows(tileColumns: grid.columns, totalRows: totalRows, scratchLimit: scratchLimit)
        let capacity = rowsPerBand * grid.columns
        let inputScratch = pool.take(16 * inChannels * capacity), productScratch = pool.take(16 * outChannels * capacity)
        let transform = WinogradTiles(padding: padding, tileRows: grid.rows, tileColumns: grid.columns)
        var first = 0
        while first < totalRows {
            let rows = first..<min(totalRows, first + rowsPerBand)
            let tileCount = rows.count * grid.columns
            transform.lowerInput(x, rows: rows, into: inputScratch.pointer)
            multiply(inputScratch.pointer, into: productScratch.pointer, tiles: tileCount)
            transform.finishOutput(productScratch.pointer, rows: rows, into: output,
                                   epilogue: WinogradEpilogue(bias: bias, addend: addend, accumulate: accumulate,
                                                              relu: relu))
            first = rows.upperBound
        }
    }

    /// The 16 products, whole ones per core: each is `[out × in]·[in × tiles]`.
    private func multiply(_ v: UnsafeMutablePointer<Float>, into m: UnsafeMutablePointer<Float>, tiles: Int) {
        let (outs, ins) = (outChannels, inChannels)
        transformed.withUnsafeBufferPointer { u in
            guard let base = u.baseAddress else { return }
            let operands = GemmOperands(a: base, b: v, c: m)
            let workers = min(ChannelLoop.workers, 16)
            Parallel.forEach(workers) { worker in
                for xi in Swift.stride(from: worker, to: 16, by: workers) {
                    Gemm.multiply(m: outs, n: tiles, k: ins, a: operands.a + xi * outs * ins, lda: ins,
                                  b: operands.b + xi * ins * tiles, ldb: tiles, beta: 0,
                                  c: operands.c + xi * outs * tiles, ldc: tiles, serial: true)
                }
            }
        }
    }
}
