import COpenBLAS

/// Loads OpenBLAS (single-threaded, see `Gemm`) for ops used outside `ReferenceModel`.
///
/// `ReferenceModel` loads it in its initializer; a standalone op (`Convolution`,
/// `DeformableConvolution`, the GhostNet pieces) multiplies through `Gemm`, which needs the library
/// loaded first. Loading is idempotent and thread-safe (`pthread_once` in the shim).
public enum ReferenceBLAS {
    /// Loads the library once; throws `LoadError.blas` with the loader's message if it is missing.
    public static func load() throws(LoadError) {
        guard wp_blas_load() == 0 else { throw .blas(String(cString: wp_blas_error())) }
    }

    /// `C = A·B` (row-major, `m × k` by `k × n`) the way the forward pass multiplies: split over the
    /// cores, each part a single-threaded OpenBLAS `sgemm`. For benchmarks (the sgemm floor).
    public static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>) {
        Gemm.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, beta: 0, c: c, ldc: n)
    }
}
