#include "ckernels.h"

#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Zip's CRC-32 in the bit-reflected domain: polynomial 0xEDB88320.
static uint32_t crc32_bitwise(uint32_t state, const unsigned char *p, long n) {
    for (long i = 0; i < n; i++) {
        state ^= p[i];
        for (int k = 0; k < 8; k++) state = (state >> 1) ^ (0xEDB88320u & (0u - (state & 1u)));
    }
    return state;
}

#if defined(__x86_64__)
// Folding (Intel, "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", 2009): a
// 128-bit lane A followed by more data D is replaced by A.lo*K_lo ^ A.hi*K_hi ^ D, where the
// constants are x^(distance±32) mod P, bit-reflected; this keeps the message's residue mod P.
// K for a 512-bit distance (four lanes in flight) and for 128 bits (one lane):
static const uint64_t fold512[2] = {0x154442bd4ull, 0x1c6e41596ull};
static const uint64_t fold128[2] = {0x1751997d0ull, 0x0ccaa009eull};

__attribute__((target("pclmul,sse2")))
static inline __m128i fold(__m128i lane, __m128i k, __m128i next) {
    __m128i lo = _mm_clmulepi64_si128(lane, k, 0x00);
    __m128i hi = _mm_clmulepi64_si128(lane, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

__attribute__((target("pclmul,sse2")))
static uint32_t crc32_pclmul(uint32_t state, const unsigned char *p, long n) {
    if (n < 64) return crc32_bitwise(state, p, n);
    __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)state));
    __m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(p + 48));
    p += 64;
    n -= 64;
    __m128i k = _mm_loadu_si128((const __m128i *)fold512);
    for (; n >= 64; p += 64, n -= 64) {
        a = fold(a, k, _mm_loadu_si128((const __m128i *)p));
        b = fold(b, k, _mm_loadu_si128((const __m128i *)(p + 16)));
        c = fold(c, k, _mm_loadu_si128((const __m128i *)(p + 32)));
        d = fold(d, k, _mm_loadu_si128((const __m128i *)(p + 48)));
    }
    k = _mm_loadu_si128((const __m128i *)fold128);
    a = fold(a, k, b);
    a = fold(a, k, c);
    a = fold(a, k, d);
    for (; n >= 16; p += 16, n -= 16) a = fold(a, k, _mm_loadu_si128((const __m128i *)p));
    // The lane now has the residue of everything so far: its CRC from a zero register is the
    // register after the whole prefix. The last < 16 bytes continue from there.
    unsigned char lane[16];
    _mm_storeu_si128((__m128i *)lane, a);
    return crc32_bitwise(crc32_bitwise(0, lane, 16), p, n);
}

// The same folding, sixteen 128-bit lanes at a time in four 512-bit registers (VPCLMULQDQ, as
// on AVX-512 cores): each lane's next data lies 256 bytes on, so K is for a 2048-bit distance
// (x^(2048±32) mod P, bit-reflected, <<1: the formula that gives fold512 and fold128 above).
// The four registers are then folded into one at 512 bits and its four lanes into one, exactly
// as the loop above leaves its four. One pclmul lane chain ran at 8 GB/s here; zip checksums of
// a 250 MB checkpoint are on a conversion's critical path.
static const uint64_t fold2048[2] = {0x11542778aull, 0x1322d1430ull};

__attribute__((target("avx512f,avx512vl,avx512bw,vpclmulqdq,pclmul,sse2")))
static inline __m512i fold_wide(__m512i lanes, __m512i k, __m512i next) {
    __m512i lo = _mm512_clmulepi64_epi128(lanes, k, 0x00);
    __m512i hi = _mm512_clmulepi64_epi128(lanes, k, 0x11);
    return _mm512_ternarylogic_epi64(lo, hi, next, 0x96);  // lo ^ hi ^ next
}

__attribute__((target("avx512f,avx512vl,avx512bw,vpclmulqdq,pclmul,sse2")))
static uint32_t crc32_vpclmul(uint32_t state, const unsigned char *p, long n) {
    if (n < 512) return crc32_pclmul(state, p, n);
    __m512i a = _mm512_xor_si512(_mm512_loadu_si512(p), _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)state)));
    __m512i b = _mm512_loadu_si512(p + 64);
    __m512i c = _mm512_loadu_si512(p + 128);
    __m512i d = _mm512_loadu_si512(p + 192);
    p += 256;
    n -= 256;
    __m512i k = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)fold2048));
    for (; n >= 256; p += 256, n -= 256) {
        a = fold_wide(a, k, _mm512_loadu_si512(p));
        b = fold_wide(b, k, _mm512_loadu_si512(p + 64));
        c = fold_wide(c, k, _mm512_loadu_si512(p + 128));
        d = fold_wide(d, k, _mm512_loadu_si512(p + 192));
    }
    k = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)fold512));
    a = fold_wide(a, k, b);
    a = fold_wide(a, k, c);
    a = fold_wide(a, k, d);
    __m128i k128 = _mm_loadu_si128((const __m128i *)fold128);
    __m128i lane = _mm512_extracti32x4_epi32(a, 0);
    lane = fold(lane, k128, _mm512_extracti32x4_epi32(a, 1));
    lane = fold(lane, k128, _mm512_extracti32x4_epi32(a, 2));
    lane = fold(lane, k128, _mm512_extracti32x4_epi32(a, 3));
    for (; n >= 16; p += 16, n -= 16) lane = fold(lane, k128, _mm_loadu_si128((const __m128i *)p));
    unsigned char bytes[16];
    _mm_storeu_si128((__m128i *)bytes, lane);
    return crc32_bitwise(crc32_bitwise(0, bytes, 16), p, n);
}

// Decided once; several checksum threads may ask at the same moment, hence the atomics (they
// would all store the same answer).
static int wide_available = -1;

static int wide_supported(void) {
    int known = __atomic_load_n(&wide_available, __ATOMIC_RELAXED);
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("avx512f")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("pclmul");
        __atomic_store_n(&wide_available, known, __ATOMIC_RELAXED);
    }
    return known;
}
#endif

int wp_crc32_fold_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") ? 1 : 0;
#else
    return 0;
#endif
}

unsigned int wp_crc32_fold(unsigned int state, const void *p, long n) {
#if defined(__x86_64__)
    if (wide_supported()) return crc32_vpclmul(state, (const unsigned char *)p, n);
    return crc32_pclmul(state, (const unsigned char *)p, n);
#else
    return crc32_bitwise(state, (const unsigned char *)p, n);
#endif
}
