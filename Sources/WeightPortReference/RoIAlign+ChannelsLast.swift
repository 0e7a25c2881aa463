import CKernels

/// RoIAlign through a channels-last copy of the map (`wp_roialign_channels_last`): every sample's
/// four taps are then four vector loads across the channels instead of four scalar loads per
/// channel plane. Values are bit-identical to the plane-by-plane kernel (same operations in the
/// same order per channel, no fused multiply-add; `RoIAlignChannelsLastTests` compares both).
///
/// Why: a box head pools 1000 boxes × 256 channels × 49 bins × 4 samples; plane by plane that
/// took ~155 ms of a 309 ms box head (`wpbench headops`, SCHED_FIFO), half the head's time for
/// none of its FLOPs.
extension RoIAlign {
    /// Whether the copy pays: it reads and writes each used image's map once, the planar kernel
    /// costs several times more per sample and channel, so the copy wins once the boxes take
    /// at least half as many samples as the images have pixels.
    func useChannelsLast(_ x: FeatureMap, boxes: [RoIBox]) -> Bool {
        guard x.channels >= 8 else { return false }
        let bins = outputHeight * outputWidth
        let samples = boxes.reduce(0) { total, box in
            let g = geometry(box)
            return total + max(g.gridH, 0) * max(g.gridW, 0) * bins
        }
        return samples * 2 >= x.planeSize * Set(boxes.map(\.batchIndex)).count
    }

    func extractChannelsLast(_ x: FeatureMap, boxes: [RoIBox], rows: [Int], into output: FeatureMap) {
        let channels = x.channels, plane = x.planeSize, outPlane = outputHeight * outputWidth
        let images = Array(Set(boxes.map(\.batchIndex))).sorted()
        let slots = Dictionary(uniqueKeysWithValues: images.enumerated().map { ($1, $0) })
        let copy = FloatBuffer(capacity: images.count * plane * channels)
        let shared = SharedPointers(source: x.pointer, matrix: copy.pointer)
        // Pixel ranges of about 4096 pixels per task, so both cores share even a single image.
        let pieces = max(1, plane / 4096)
        ChannelLoop.run(images.count * pieces, minimumWork: plane / pieces * channels) { task in
            let slot = task / pieces, piece = task % pieces
            let first = plane * piece / pieces, end = plane * (piece + 1) / pieces
            wp_to_channels_last(shared.source + images[slot] * channels * plane, shared.matrix + slot * plane * channels,
                                channels, plane, first, end)
        }
        let target = SharedPointers(source: copy.pointer, matrix: output.pointer)
        let (h, w) = (x.height, x.width)
        ChannelLoop.run(boxes.count, minimumWork: channels * outPlane * 4) { index in
            let box = boxes[index]
            let g = geometry(box)
            let out = target.matrix + rows[index] * channels * outPlane
            let perBin = max(g.gridH, 0) * max(g.gridW, 0)
            guard perBin > 0 else {
                out.update(repeating: 0, count: channels * outPlane)
                return
            }
            let taps = g.taps(height: h, width: w, outputHeight: outputHeight, outputWidth: outputWidth).map {
                wp_roi_tap(pixel: ($0.p1, $0.p2, $0.p3, $0.p4), weight: ($0.w1, $0.w2, $0.w3, $0.w4))
            }
            let image = target.source + (slots[box.batchIndex] ?? 0) * plane * channels
            taps.withUnsafeBufferPointer { t in
                wp_roialign_channels_last(image, channels, t.baseAddress, outPlane, perBin,
                                          Float(max(g.gridH * g.gridW, 1)), out, outPlane)
            }
        }
        withExtendedLifetime(copy) {}
    }
}
