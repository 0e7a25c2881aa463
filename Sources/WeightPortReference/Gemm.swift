import COpenBLAS
import WeightPortCore

/// Row-major `C = A·B + beta·C` split over the cores, each part a single-threaded `cblas_sgemm`.
///
/// OpenBLAS's own threads spin-wait (sched_yield) for a while after every call and then compete
/// with the forward pass's other parallel loops; splitting the product ourselves keeps a single
/// set of worker threads (`Parallel`'s pool) for everything. Columns are split when there are
/// enough of them (each part then still has wide panels); otherwise rows (output channels), e.g.
/// for 7×7 maps.
enum Gemm {
    /// Columns (or rows) below which a part is not worth a thread.
    static let minimumColumnsPerPart = 128
    static let minimumRowsPerPart = 32

    /// - Parameters:
    ///   - serial: the caller already runs one product per core; compute this one whole here.
    ///   - epilogue: applied by each part to its own block of `c` right after computing it.
    static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, serial: Bool = false,
                         epilogue: BlockEpilogue? = nil) {
        let workers = serial ? 1 : ChannelLoop.workers
        let byColumns = n >= minimumColumnsPerPart * 2
        let parts = min(workers, byColumns ? n / minimumColumnsPerPart : m / minimumRowsPerPart)
        guard parts > 1 else {
            sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            epilogue?.apply(c: c, ldc: ldc, rows: 0..<m, columns: 0..<n)
            return
        }
        let operands = GemmOperands(a: a, b: b, c: c)
        Parallel.forEach(parts) { part in
            if byColumns {
                // Split on multiples of 16 columns so every part keeps whole SIMD panels.
                let start = (n * part / parts) & ~15, end = part == parts - 1 ? n : (n * (part + 1) / parts) & ~15
                sgemm(m: m, n: end - start, k: k, a: operands.a, lda: lda, b: operands.b + start, ldb: ldb, beta: beta,
                      c: operands.c + start, ldc: ldc)
                epilogue?.apply(c: operands.c, ldc: ldc, rows: 0..<m, columns: start..<end)
            } else {
                let start = m * part / parts, end = m * (part + 1) / parts
                sgemm(m: end - start, n: n, k: k, a: operands.a + start * lda, lda: lda, b: operands.b, ldb: ldb,
                      beta: beta, c: operands.c + start * ldc, ldc: ldc)
                epilogue?.apply(c: operands.c, ldc: ldc, rows: start..<end, columns: 0..<n)
            }
        }
    }

    private static func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                              ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        wp_sgemm(0, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// The three operands, handed to the workers that write disjoint parts of `c`.
struct GemmOperands: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
}
