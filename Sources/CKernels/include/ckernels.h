#ifndef CKERNELS_H
#define CKERNELS_H
#include "roialign.h"
// Hot loops Swift's baseline x86-64 code generation cannot vectorise well (its generic SIMD types
// do not widen float32 to float64 in vector registers); compiled here with AVX2 and chosen at run
// time, so the binary still runs on CPUs without AVX2.

/// Sums over p[0..<n] of (x − shift) and (x − shift)² in float64, and min/max in float32.
/// A NaN anywhere makes `sum` NaN (min and max are then unspecified).
void wp_stats_f32(const float *p, long n, double shift, double *sum, double *sum_squares, float *min, float *max);

/// Whether `wp_crc32_fold` can run here (the CPU has carry-less multiplication, PCLMULQDQ).
int wp_crc32_fold_available(void);

/// Advances a raw (reflected, not inverted) zip CRC-32 register over p[0..<n] by folding 64 bytes
/// per step with carry-less multiplication; about ten times the table method. Call only when
/// `wp_crc32_fold_available()` returns 1.
unsigned int wp_crc32_fold(unsigned int state, const void *p, long n);

/// One iteration of a `wp_pool_run` loop.
typedef void (*wp_pool_body)(void *context, long index);

/// Calls body(context, i) for every i in [0, count) on the calling thread and the pool's helper
/// threads (one per further CPU, started on first use, spinning ~200 µs after each job before they
/// sleep), and returns when all are done: 0. Returns -1 without calling anything when the pool is
/// busy (a nested or concurrent loop), has no helpers, or count < 2; the caller runs the loop itself.
int wp_pool_run(long count, wp_pool_body body, void *context);
#endif
