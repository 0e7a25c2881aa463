#ifndef COPENBLAS_H
#define COPENBLAS_H
// OpenBLAS, loaded on first use. Linking it would start its thread pool in every process, and
// those threads spin in sched_yield for a while after start-up, taking a core from commands that
// never multiply a matrix (and from WeightPort's own parallel loops). Loading it with
// OPENBLAS_NUM_THREADS=1 also matches how the forward pass uses it: WeightPort splits each product
// over the cores itself and runs every part single-threaded.

/// Loads libopenblas (once); 0 on success, otherwise -1 and `wp_blas_error()` says why.
int wp_blas_load(void);

/// The loader's error message, or an empty string.
const char *wp_blas_error(void);

/// Row-major single-precision C = alpha·A·op(B) + beta·C, op(B) = Bᵀ when `transpose_b` is non-zero.
/// `wp_blas_load()` must have succeeded.
void wp_sgemm(int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);

/// Row-major single-precision y = A·x + beta·y for the `m × n` matrix A (`lda` floats per row),
/// unit strides. Uses `cblas_sgemv` when the library has it (OpenBLAS 0.3.21's sgemm has no
/// matrix-vector path: a 1-row product packs the whole matrix first), else `wp_sgemm`.
/// `wp_blas_load()` must have succeeded.
void wp_sgemv(int m, int n, const float *a, int lda, const float *x, float beta, float *y);
#endif
