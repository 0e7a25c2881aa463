import WeightPortCore

/// A 3×3 stride-1 convolution by Winograd's F(2×2, 3×3) (Lavin & Gray 2015): each 2×2 output tile
/// is `Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A` over a 4×4 input tile `d`, so the channel sums become 16 products
/// `M_ξ = U_ξ · V_ξ` of `[out × in]` by `[in × tiles]`: 16·out·in multiply-adds per 4 outputs
/// where im2col's product needs 36·out·in. The transforms are cheap additions; the weights' `U` is
/// computed at every call into pooled scratch rather than kept: it is 16/9 the size of the 3×3
/// weights (R-50-FPN: ~98 MB more, resident for the model's lifetime), while transforming costs a
/// few additions per weight against the conv's `2·tiles` multiply-adds per weight. On maps of
/// fewer than `cachedBelowTiles` tiles that ratio is poor, and `U` is kept (`WinogradWeightCache`).
/// Bias, residual and ReLU are applied in the output transform, which visits every output anyway.
///
/// Tiles are taken in bands of whole tile rows (across the images of a batch, so a head's 100 small
/// RoIs make one wide product) sized so the two scratch matrices stay within `scratchLimit` floats.
/// Benchmarks and rounding are documented in the README ("Benchmarks"); the products are still
/// counted at the conv's nominal FLOPs there.
struct Winograd3x3: Sendable {
    let inChannels: Int
    let outChannels: Int
    let padding: Int
    /// `[out, in, 3, 3]` row-major (the conv's own array, shared, not copied).
    let weights: [Float]
    /// The transformed weights, kept once the conv runs on fewer than `cachedBelowTiles` tiles.
    let cache = WinogradWeightCache()

    /// Tiles (over the whole batch) below which the transformed weights are kept across calls
    /// rather than recomputed: only on such small maps is the transform a large share of the conv.
    /// ResNet-50 at 224 keeps res4's (49 tiles, 5 convs, 20 MiB; res3's 196 tiles would add 3 MiB
    /// and measured no faster). R-50-FPN's smallest Winograd maps (res5 at 800×800, 169 tiles) stay
    /// per call, so the detectors keep no more memory than before. Measurements: README ("The
    /// forward pass against the machine's sgemm").
    static let cachedBelowTiles = 64

    init(inChannels: Int, outChannels: Int, padding: Int, weights: [Float]) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.padding = padding
        self.weights = weights
    }

    /// Writes `[16][out][in]`, `G g Gᵀ` for every (out, in) pair (position ξ = 4·row + column) to
    /// `u`, the pairs split over the cores.
    private func transformWeights(into u: UnsafeMutablePointer<Float>) {
        let plane = outChannels * inChannels
        let workers = min(ChannelLoop.workers, max(1, plane / 4096))
        weights.withUnsafeBufferPointer { w in
            guard let g = w.baseAddress else { return }
            // Pointers are not Sendable; the workers write disjoint pairs.
            let operands = GemmOperands(a: g, b: u, c: u)
            Parallel.forEach(workers) { worker in
                let pairs = plane * worker / workers..<plane * (worker + 1) / workers
                var pair = pairs.lowerBound
                while pair + 8 <= pairs.upperBound {
                    Self.kernelTransform8(operands.a + pair * 9, into: operands.c + pair, stride: plane)
                    pair += 8
                }
                for rest in pair..<pairs.upperBound {
                    Self.kernelTransform(operands.a + rest * 9, into: operands.c + rest, stride: plane)
                }
            }
        }
    }

    /// `kernelTransform` for 8 consecutive pairs at once, lane by lane in the same order of
    /// operations (so the same bits): each position's 8 results are one contiguous store, where
    /// pair by pair they are 16 scattered ones (the difference is most of the transform's time).
    private static func kernelTransform8(_ g: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, stride: Int) {
        func load(_ k: Int) -> SIMD8<Float> {
            SIMD8(g[k], g[9 + k], g[18 + k], g[27 + k], g[36 + k], g[45 + k], g[54 + k], g[63 + k])
        }
        typealias Column = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
        // A tuple, not an array: an array of vectors is a heap allocation per call.
        func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> Column {
            (a, (a + b + c) / 2, (a - b + c) / 2, c)
        }
        func store(_ row: Column, at i: Int) {
            let base = UnsafeMutableRawPointer(u + 4 * i * stride), step = stride * MemoryLayout<Float>.stride
            base.storeBytes(of: row.0, as: SIMD8<Float>.self)
            (base + step).storeBytes(of: row.1, as: SIMD8<Float>.self)
            (base + 2 * step).storeBytes(of: row.2, as: SIMD8<Float>.self)
            (base + 3 * step).storeBytes(of: row.3, as: SIMD8<Float>.self)
        }
        let c0 = apply(load(0), load(3), load(6)), c1 = apply(load(1), load(4), load(7)), c2 = apply(load(2), load(5), load(8))
        store(apply(c0.0, c1.0, c2.0), at: 0)
        store(apply(c0.1, c1.1, c2.1), at: 1)
        store(apply(c0.2, c1.2, c2.2), at: 2)
        store(apply(c0.3, c1.3, c2.3), at: 3)
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
        let kernels: FloatBuffer
        if totalRows * grid.columns < Self.cachedBelowTiles {
            kernels = cache.weights(count: 16 * outChannels * inChannels) { transformWeights(into: $0) }
        } else {
            kernels = pool.take(16 * outChannels * inChannels)
            transformWeights(into: kernels.pointer)
        }
        let transform = WinogradTiles(padding: padding, tileRows: grid.rows, tileColumns: grid.columns)
        var first = 0
        while first < totalRows {
            let rows = first..<min(totalRows, first + rowsPerBand)
            let tileCount = rows.count * grid.columns
            transform.lowerInput(x, rows: rows, into: inputScratch.pointer)
            multiply(kernels.pointer, inputScratch.pointer, into: productScratch.pointer, tiles: tileCount)
            transform.finishOutput(productScratch.pointer, rows: rows, into: output,
                                   epilogue: WinogradEpilogue(bias: bias, addend: addend, accumulate: accumulate,
                                                              relu: relu))
            first = rows.upperBound
        }
    }

    /// The 16 products, whole ones per core: each is `[out × in]·[in × tiles]`.
    private func multiply(_ u: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                          into m: UnsafeMutablePointer<Float>, tiles: Int) {
        let (outs, ins) = (outChannels, inChannels)
        let operands = GemmOperands(a: u, b: v, c: m)
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
