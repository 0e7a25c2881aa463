#ifndef CKERNELS_ROIALIGN_H
#define CKERNELS_ROIALIGN_H
// RoIAlign over a channels-last map: the four bilinear taps of a sample are the same for every
// channel, so with channels contiguous each tap is one vector load instead of one scalar load per
// channel plane. Arithmetic per channel is exactly the scalar kernel's (no fused multiply-add):
// ((w0·v0 + w1·v1) + w2·v2) + w3·v3 added to the bin's sum sample by sample, then one division.
#include <stdint.h>

/// One bilinear sample: four pixel indices within an image's H·W plane and their weights.
typedef struct {
    int32_t pixel[4];
    float weight[4];
} wp_roi_tap;

/// Pools one box. `image` is the box's image channels-last (`[H·W][channels]`); `taps` holds
/// `bins · per_bin` samples, bin after bin; bin `b` of channel `c` goes to
/// `out[c · out_stride + b]` as its sum over samples divided by `count`.
void wp_roialign_channels_last(const float *image, long channels, const wp_roi_tap *taps, long bins,
                               long per_bin, float count, float *out, long out_stride);

/// Writes pixels [first, end) of a `[channels][plane]` image channels-last: `dst[p · channels + c]
/// = src[c · plane + p]`.
void wp_to_channels_last(const float *src, float *dst, long channels, long plane, long first, long end);
#endif
