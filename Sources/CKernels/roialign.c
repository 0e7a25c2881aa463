#include "roialign.h"
#include <immintrin.h>
#include <stddef.h>

// No fused multiply-add anywhere below: the result must equal the scalar NCHW kernel's bit for bit.
#pragma STDC FP_CONTRACT OFF

static inline float sample_scalar(const float *pixel0, long channels, const wp_roi_tap *t) {
    return t->weight[0] * pixel0[(size_t)t->pixel[0] * (size_t)channels]
         + t->weight[1] * pixel0[(size_t)t->pixel[1] * (size_t)channels]
         + t->weight[2] * pixel0[(size_t)t->pixel[2] * (size_t)channels]
         + t->weight[3] * pixel0[(size_t)t->pixel[3] * (size_t)channels];
}

static void pool_channels_scalar(const float *image, long channels, long first, const wp_roi_tap *bin_taps,
                                 long per_bin, float count, float *out, long out_stride, long bin) {
    for (long c = first; c < channels; c++) {
        float sum = 0;
        for (long s = 0; s < per_bin; s++) sum += sample_scalar(image + c, channels, bin_taps + s);
        out[(size_t)c * (size_t)out_stride + (size_t)bin] = sum / count;
    }
}

__attribute__((target("avx2")))
static void pool_avx2(const float *image, long channels, const wp_roi_tap *taps, long bins, long per_bin,
                      float count, float *out, long out_stride) {
    const __m256 divisor = _mm256_set1_ps(count);
    for (long bin = 0; bin < bins; bin++) {
        const wp_roi_tap *t = taps + bin * per_bin;
        long c = 0;
        for (; c + 8 <= channels; c += 8) {
            __m256 sum = _mm256_setzero_ps();
            for (long s = 0; s < per_bin; s++) {
                const float *base = image + c;
                __m256 a = _mm256_mul_ps(_mm256_set1_ps(t[s].weight[0]), _mm256_loadu_ps(base + (size_t)t[s].pixel[0] * (size_t)channels));
                a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(t[s].weight[1]), _mm256_loadu_ps(base + (size_t)t[s].pixel[1] * (size_t)channels)));
                a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(t[s].weight[2]), _mm256_loadu_ps(base + (size_t)t[s].pixel[2] * (size_t)channels)));
                a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(t[s].weight[3]), _mm256_loadu_ps(base + (size_t)t[s].pixel[3] * (size_t)channels)));
                sum = _mm256_add_ps(sum, a);
            }
            float lanes[8];
            _mm256_storeu_ps(lanes, _mm256_div_ps(sum, divisor));
            for (int i = 0; i < 8; i++) out[(size_t)(c + i) * (size_t)out_stride + (size_t)bin] = lanes[i];
        }
        pool_channels_scalar(image, channels, c, t, per_bin, count, out, out_stride, bin);
    }
}

void wp_roialign_channels_last(const float *image, long channels, const wp_roi_tap *taps, long bins,
                               long per_bin, float count, float *out, long out_stride) {
    static int avx2 = -1;
    if (avx2 < 0) avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    if (avx2) {
        pool_avx2(image, channels, taps, bins, per_bin, count, out, out_stride);
        return;
    }
    for (long bin = 0; bin < bins; bin++) {
        pool_channels_scalar(image, channels, 0, taps + bin * per_bin, per_bin, count, out, out_stride, bin);
    }
}

void wp_to_channels_last(const float *src, float *dst, long channels, long plane, long first, long end) {
    // Tiles of 32 pixels × 32 channels: both the rows read and the rows written stay in L1.
    enum { tile = 32 };
    for (long p0 = first; p0 < end; p0 += tile) {
        long p1 = p0 + tile < end ? p0 + tile : end;
        for (long c0 = 0; c0 < channels; c0 += tile) {
            long c1 = c0 + tile < channels ? c0 + tile : channels;
            for (long p = p0; p < p1; p++) {
                float *row = dst + (size_t)p * (size_t)channels;
                for (long c = c0; c < c1; c++) row[c] = src[(size_t)c * (size_t)plane + (size_t)p];
            }
        }
    }
}
