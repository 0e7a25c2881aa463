/// RoIAlign with average pooling, operation for operation as `torchvision.ops.roi_align`
/// computes it on the CPU (pytorch/vision `torchvision/csrc/ops/cpu/roi_align_kernel.cpp` and
/// `roi_align_common.h`, whose sampling helper is "implementation taken from Caffe2").
///
/// The two variants the frameworks use (facts and sources in shared/HEADS.md §1.1):
/// - **legacy** (`aligned: false`): Caffe2's `RoIAlign` op that Detectron runs,
///   maskrcnn-benchmark's and Detectron.pytorch's kernels, torchvision's default and
///   `MultiScaleRoIAlign`, detectron2's `POOLER_TYPE: ROIAlign`. The box starts at `x1·scale`
///   and is forced to be at least 1×1 feature pixels ("Force malformed ROIs to be 1x1").
/// - **aligned** (`aligned: true`): detectron2's default `ROIAlignV2` and mmcv's `RoIAlign`
///   (`aligned=True`, which mmdet uses). Every coordinate is shifted by −0.5 feature pixel, so a
///   sample at a pixel's centre reads exactly that pixel, and there is no minimum size.
///
/// Sampling: each of the `R×R` bins averages a `gridH×gridW` lattice of bilinear samples at the
/// bin's sub-cell centres. `samplingRatio > 0` fixes the lattice (2 in Detectron FPN,
/// maskrcnn-benchmark FPN and torchvision); `≤ 0` is adaptive, `ceil(roi_h / R)` per box (detectron2,
/// mmdet, Detectron C4). A sample with `y < -1`, `y > H`, `x < -1` or `x > W` contributes 0 (but
/// still counts in the average); one inside that window is clamped to the edge pixel.
///
/// Arithmetic is float32 in the kernel's order (box scaling, bin size, sample position, the four
/// products summed, then one division by the sample count), so results match torchvision to a
/// few float32 ulps; the tests say how close.
public struct RoIAlign: Sendable {
    public let outputHeight: Int
    public let outputWidth: Int
    /// Feature pixels per image pixel: `1 / stride` (e.g. 1/16 for C4's res4, 1/4 for P2).
    public let spatialScale: Float
    /// Samples per bin along each axis; `≤ 0` means adaptive (`ceil(roi_size / output_size)`).
    public let samplingRatio: Int
    /// The −0.5 pixel shift without minimum size (detectron2 `ROIAlignV2`, mmcv) instead of the
    /// legacy arithmetic (Caffe2/Detectron, maskrcnn-benchmark, torchvision's default).
    public let aligned: Bool

    /// Largest sampling lattice (`R·R·gridH·gridW` samples) accepted for one box: adaptive
    /// sampling of an absurdly large box would otherwise allocate without bound.
    public static let maximumSamplesPerBox = 1 << 26

    /// A square `outputSize`×`outputSize` pooler.
    public init(outputSize: Int, spatialScale: Float, samplingRatio: Int, aligned: Bool) throws(HeadOpError) {
        try self.init(outputHeight: outputSize, outputWidth: outputSize, spatialScale: spatialScale,
                      samplingRatio: samplingRatio, aligned: aligned)
    }

    public init(outputHeight: Int, outputWidth: Int, spatialScale: Float, samplingRatio: Int,
                aligned: Bool) throws(HeadOpError) {
        guard outputHeight > 0, outputWidth > 0 else {
            throw .invalidSetting("RoIAlign output size \(outputHeight)×\(outputWidth) must be positive")
        }
        guard spatialScale.isFinite, spatialScale > 0 else {
            throw .invalidSetting("RoIAlign spatial scale \(spatialScale) must be positive and finite")
        }
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.spatialScale = spatialScale
        self.samplingRatio = samplingRatio
        self.aligned = aligned
    }

    /// Pools every box from `x` into a new `[K, C, outputHeight, outputWidth]` map, box order kept.
    public func apply(_ x: FeatureMap, boxes: [RoIBox], pool: BufferPool) throws(HeadOpError) -> FeatureMap {
        let output = FeatureMap(batch: boxes.count, channels: x.channels, height: outputHeight, width: outputWidth,
                                pool: pool)
        try extract(x, boxes: boxes, rows: Array(boxes.indices), into: output)
        return output
    }

    /// The sampling lattice of `box`: `samplingRatio` on both axes, or the adaptive
    /// `ceil(roi_size / output_size)` (0 or less for an empty aligned box, which pools to zeros).
    public func samplingGrid(for box: RoIBox) -> (height: Int, width: Int) {
        let g = geometry(box)
        return (g.gridH, g.gridW)
    }

    /// Pools `boxes[i]` into row `rows[i]` of `output` (which must have `x`'s channels and this
    /// op's output size); the multi-level pooler uses this to keep the boxes' order.
    func extract(_ x: FeatureMap, boxes: [RoIBox], rows: [Int], into output: FeatureMap) throws(HeadOpError) {
        guard boxes.count == rows.count, output.channels == x.channels,
              output.height == outputHeight, output.width == outputWidth else {
            throw .shapeMismatch("RoIAlign output map \(output.shape) does not fit \(boxes.count) boxes of \(x.channels) channels")
        }
        if boxes.isEmpty { return }
        // Tap positions are stored as Int32 (half the memory of Int in the per-box tables).
        guard x.height > 0, x.width > 0, x.channels > 0, x.planeSize <= Int(Int32.max) else {
            throw .shapeMismatch("RoIAlign needs a non-empty feature map with planes under 2^31 pixels, got \(x.shape)")
        }
        for (index, box) in boxes.enumerated() {
            try box.validate(index: index, batch: x.batch)
            let g = geometry(box)
            let samples = Double(max(g.gridH, 0)) * Double(max(g.gridW, 0)) * Double(outputHeight * outputWidth)
            guard samples <= Double(Self.maximumSamplesPerBox) else {
                throw .invalidBox(index: index, reason: "adaptive sampling would take \(Int(samples)) samples (box too large for scale \(spatialScale))")
            }
        }
        if useChannelsLast(x, boxes: boxes) {
            extractChannelsLast(x, boxes: boxes, rows: rows, into: output)
        } else {
            extractPlanar(x, boxes: boxes, rows: rows, into: output)
        }
    }

    /// Pools channel plane by channel plane, straight from the NCHW map (inputs already checked).
    func extractPlanar(_ x: FeatureMap, boxes: [RoIBox], rows: [Int], into output: FeatureMap) {
        let channels = x.channels, workers = ChannelLoop.workers
        // Few boxes: split each box's channels too, so both cores work (the geometry is then
        // computed once per part, which is cheap next to C·R² interpolations).
        let parts = boxes.count >= 2 * workers ? 1 : min(channels, 2 * workers)
        let shared = SharedPointers(source: x.pointer, matrix: output.pointer)
        let (h, w, plane, outPlane) = (x.height, x.width, x.planeSize, outputHeight * outputWidth)
        ChannelLoop.run(boxes.count * parts, minimumWork: channels / parts * outPlane * 4) { item in
            let boxIndex = item / parts, part = item % parts
            let box = boxes[boxIndex]
            let g = geometry(box)
            let taps = g.taps(height: h, width: w, outputHeight: outputHeight, outputWidth: outputWidth)
            let perBin = max(g.gridH, 0) * max(g.gridW, 0)
            let count = Float(max(g.gridH * g.gridW, 1))
            let firstChannel = channels * part / parts, endChannel = channels * (part + 1) / parts
            for c in firstChannel..<endChannel {
                let input = shared.source + (box.batchIndex * channels + c) * plane
                let out = shared.matrix + (rows[boxIndex] * channels + c) * outPlane
                taps.withUnsafeBufferPointer { t in
                    var tap = 0
                    for bin in 0..<outPlane {
                        var sum: Float = 0
                        for _ in 0..<perBin {
                            let s = t[tap]
                            sum += s.w1 * input[Int(s.p1)] + s.w2 * input[Int(s.p2)] + s.w3 * input[Int(s.p3)]
                                + s.w4 * input[Int(s.p4)]
                            tap += 1
                        }
                        out[bin] = sum / count
                    }
                }
            }
        }
    }

    /// The box in feature coordinates, exactly as the kernel derives it.
    func geometry(_ box: RoIBox) -> BoxGeometry {
        let offset: Float = aligned ? 0.5 : 0
        let startW = box.x1 * spatialScale - offset, startH = box.y1 * spatialScale - offset
        let endW = box.x2 * spatialScale - offset, endH = box.y2 * spatialScale - offset
        var roiW = endW - startW, roiH = endH - startH
        if !aligned {
            roiW = max(roiW, 1)
            roiH = max(roiH, 1)
        }
        let binH = roiH / Float(outputHeight), binW = roiW / Float(outputWidth)
        // The kernel's `ceil(roi_height / pooled_height)` is the same float division as the bin
        // size. Clamped before the Int conversion only so a huge box reaches the size check
        // (as an error) instead of trapping; such a box is rejected either way.
        let gridH = samplingRatio > 0 ? samplingRatio : Int(min(binH.rounded(.up), Float(1 << 30)))
        let gridW = samplingRatio > 0 ? samplingRatio : Int(min(binW.rounded(.up), Float(1 << 30)))
        return BoxGeometry(startH: startH, startW: startW, binH: binH, binW: binW, gridH: gridH, gridW: gridW)
    }
}

/// One box's sampling layout in feature coordinates.
struct BoxGeometry {
    let startH: Float, startW: Float, binH: Float, binW: Float
    let gridH: Int, gridW: Int

    /// The bilinear taps of every sample, bin by bin (torchvision's `pre_calc`): shared by all
    /// channels, so each channel costs only four loads and four products per sample.
    func taps(height: Int, width: Int, outputHeight: Int, outputWidth: Int) -> [SampleTap] {
        guard gridH > 0, gridW > 0 else { return [] }
        var taps: [SampleTap] = []
        taps.reserveCapacity(outputHeight * outputWidth * gridH * gridW)
        for ph in 0..<outputHeight {
            for pw in 0..<outputWidth {
                for iy in 0..<gridH {
                    let y = startH + Float(ph) * binH + (Float(iy) + 0.5) * binH / Float(gridH)
                    for ix in 0..<gridW {
                        let x = startW + Float(pw) * binW + (Float(ix) + 0.5) * binW / Float(gridW)
                        taps.append(SampleTap(y: y, x: x, height: height, width: width))
                    }
                }
            }
        }
        return taps
    }
}

/// The four pixels and weights of one bilinear sample.
struct SampleTap {
    let p1: Int32, p2: Int32, p3: Int32, p4: Int32
    let w1: Float, w2: Float, w3: Float, w4: Float

    /// Caffe2's rule: outside `[-1, H] × [-1, W]` the sample is 0 (written as "not inside" so NaN
    /// lands here too); inside, negative coordinates clamp to 0 and the last row/column clamps
    /// to the edge pixel with weight 1.
    init(y sampleY: Float, x sampleX: Float, height: Int, width: Int) {
        guard sampleY >= -1, sampleY <= Float(height), sampleX >= -1, sampleX <= Float(width) else {
            p1 = 0; p2 = 0; p3 = 0; p4 = 0
            w1 = 0; w2 = 0; w3 = 0; w4 = 0
            return
        }
        var y = max(sampleY, 0), x = max(sampleX, 0)
        var yLow = Int(y), xLow = Int(x)
        let yHigh: Int, xHigh: Int
        if yLow >= height - 1 {
            yLow = height - 1
            yHigh = yLow
            y = Float(yLow)
        } else {
            yHigh = yLow + 1
        }
        if xLow >= width - 1 {
            xLow = width - 1
            xHigh = xLow
            x = Float(xLow)
        } else {
            xHigh = xLow + 1
        }
        let ly = y - Float(yLow), lx = x - Float(xLow)
        let hy = 1 - ly, hx = 1 - lx
        p1 = Int32(yLow * width + xLow)
        p2 = Int32(yLow * width + xHigh)
        p3 = Int32(yHigh * width + xLow)
        p4 = Int32(yHigh * width + xHigh)
        w1 = hy * hx
        w2 = hy * lx
        w3 = ly * hx
        w4 = ly * lx
    }
}
