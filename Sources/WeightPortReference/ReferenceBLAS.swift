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
}
