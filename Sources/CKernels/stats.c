#include "ckernels.h"

#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static void stats_scalar(const float *p, long n, double shift, double *sum, double *sum_squares, float *min, float *max) {
    double s0 = 0, s1 = 0, q0 = 0, q1 = 0;
    float lo = INFINITY, hi = -INFINITY;
    long i = 0;
    for (; i + 2 <= n; i += 2) {
        float a = p[i], b = p[i + 1];
        lo = a < lo ? a : lo; lo = b < lo ? b : lo;
        hi = a > hi ? a : hi; hi = b > hi ? b : hi;
        double da = (double)a - shift, db = (double)b - shift;
        s0 += da; s1 += db; q0 += da * da; q1 += db * db;
    }
    for (; i < n; i++) {
        float a = p[i];
        lo = a < lo ? a : lo; hi = a > hi ? a : hi;
        double d = (double)a - shift;
        s0 += d; q0 += d * d;
    }
    *sum = s0 + s1; *sum_squares = q0 + q1; *min = lo; *max = hi;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void stats_avx2(const float *p, long n, double shift, double *sum, double *sum_squares, float *min, float *max) {
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), q0 = _mm256_setzero_pd(), q1 = _mm256_setzero_pd();
    __m256 lo = _mm256_set1_ps(INFINITY), hi = _mm256_set1_ps(-INFINITY);
    const __m256d c = _mm256_set1_pd(shift);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(p + i);
        lo = _mm256_min_ps(lo, v);
        hi = _mm256_max_ps(hi, v);
        __m256d a = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), c);
        __m256d b = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), c);
        s0 = _mm256_add_pd(s0, a);
        s1 = _mm256_add_pd(s1, b);
        q0 = _mm256_fmadd_pd(a, a, q0);
        q1 = _mm256_fmadd_pd(b, b, q1);
    }
    double s[4], q[4];
    float l[8], h[8];
    _mm256_storeu_pd(s, _mm256_add_pd(s0, s1));
    _mm256_storeu_pd(q, _mm256_add_pd(q0, q1));
    _mm256_storeu_ps(l, lo);
    _mm256_storeu_ps(h, hi);
    double ts, tq;
    float tl, th;
    stats_scalar(p + i, n - i, shift, &ts, &tq, &tl, &th);
    *sum = (s[0] + s[1]) + (s[2] + s[3]) + ts;
    *sum_squares = (q[0] + q[1]) + (q[2] + q[3]) + tq;
    for (int k = 0; k < 8; k++) { tl = l[k] < tl ? l[k] : tl; th = h[k] > th ? h[k] : th; }
    *min = tl; *max = th;
}
#endif

void wp_stats_f32(const float *p, long n, double shift, double *sum, double *sum_squares, float *min, float *max) {
#if defined(__x86_64__)
    static int avx2 = -1;
    if (avx2 < 0) avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (avx2) { stats_avx2(p, n, shift, sum, sum_squares, min, max); return; }
#endif
    stats_scalar(p, n, shift, sum, sum_squares, min, max);
}
