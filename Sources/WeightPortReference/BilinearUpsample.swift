/// Bilinear resize as `torch.nn.functional.interpolate(mode='bilinear', align_corners=False)`
/// computes it on the CPU (ATen `UpSample.h` `area_pixel_compute_scale` /
/// `area_pixel_compute_source_index`, `UpSampleKernel.cpp` `compute_source_index_and_lambda`).
///
/// This is the keypoint head's final upsampling in torchvision (`KeypointRCNNPredictor`:
/// `interpolate(x, scale_factor=2, mode="bilinear", align_corners=False,
/// recompute_scale_factor=False)`), detectron2 (`KRCNNConvDeconvUpsampleHead`) and
/// maskrcnn-benchmark; Detectron instead runs a fixed ConvTranspose
/// (`ConvTranspose2d.detectronBilinearUpsampler`), which equals this inside and differs on the
/// outermost rows and columns (zero padding against clamping; shared/HEADS.md §4).
///
/// Per output index `d` along an axis: `src = max(scale·(d + 0.5) − 0.5, 0)` with
/// `scale = 1/scale_factor` when a factor is given (PyTorch passes it down unless
/// `recompute_scale_factor=True`) or `in/out` for an explicit size; `i0 = min(floor(src), in − 1)`,
/// `i1 = i0 + 1` except on the last pixel, `λ1 = clamp(src − i0, 0, 1)`, `λ0 = 1 − λ1`; equal
/// sizes copy. The value is interpolated along the width first, then the height, in float32.
public struct BilinearUpsample: Sendable {
    /// How the output size is chosen.
    public enum Target: Sendable, Equatable {
        /// `scale_factor=`: output `floor(in · factor)`, source positions from `1/factor`.
        case scaleFactor(Double)
        /// `size=`: source positions from `in/out`.
        case size(height: Int, width: Int)
    }

    public let target: Target

    /// `interpolate(scale_factor=factor)` (2 for the keypoint heads).
    public init(scaleFactor: Double) throws(HeadOpError) {
        guard scaleFactor.isFinite, scaleFactor > 0 else {
            throw .invalidSetting("bilinear scale factor \(scaleFactor) must be positive and finite")
        }
        target = .scaleFactor(scaleFactor)
    }

    /// `interpolate(size=(height, width))`.
    public init(outputHeight: Int, outputWidth: Int) throws(HeadOpError) {
        guard outputHeight > 0, outputWidth > 0 else {
            throw .invalidSetting("bilinear output size \(outputHeight)×\(outputWidth) must be positive")
        }
        target = .size(height: outputHeight, width: outputWidth)
    }

    /// The output size for an `height`×`width` input.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        switch target {
        case .scaleFactor(let factor):
            // ATen `compute_output_size`: `static_cast<int64_t>(input_size * scale)` (double).
            return (Int((Double(height) * factor).rounded(.towardZero)), Int((Double(width) * factor).rounded(.towardZero)))
        case .size(let h, let w): return (h, w)
        }
    }

    /// The resized map, in a buffer from `pool`.
    public func apply(_ x: FeatureMap, pool: BufferPool) throws(HeadOpError) -> FeatureMap {
        guard x.height > 0, x.width > 0 else { throw .shapeMismatch("bilinear upsampling of an empty map \(x.shape)") }
        let (outH, outW) = outputSize(height: x.height, width: x.width)
        guard outH > 0, outW > 0, outH <= 1 << 20, outW <= 1 << 20 else {
            throw .shapeMismatch("bilinear upsampling of \(x.shape) gives an unusable \(outH)×\(outW) output")
        }
        var factor: Double?
        if case .scaleFactor(let f) = target { factor = f }
        let rows = Self.axis(input: x.height, output: outH, factor: factor)
        let cols = Self.axis(input: x.width, output: outW, factor: factor)
        let output = FeatureMap(batch: x.batch, channels: x.channels, height: outH, width: outW, pool: pool)
        let shared = SharedPointers(source: x.pointer, matrix: output.pointer)
        let (h, w) = (x.height, x.width)
        ChannelLoop.run(x.batch * x.channels, minimumWork: outH * outW * 4) { plane in
            let input = shared.source + plane * h * w
            var out = shared.matrix + plane * outH * outW
            for r in rows {
                let top = input + r.i0 * w, bottom = input + r.i1 * w
                for c in 0..<outW {
                    let k = cols[c]
                    let upper = top[k.i0] * k.l0 + top[k.i1] * k.l1
                    let lower = bottom[k.i0] * k.l0 + bottom[k.i1] * k.l1
                    out[c] = upper * r.l0 + lower * r.l1
                }
                out += outW
            }
        }
        return output
    }

    /// Source pixels and weights of one output index.
    struct Tap: Sendable {
        let i0: Int, i1: Int
        let l0: Float, l1: Float
    }

    /// The taps of every output index along one axis.
    static func axis(input: Int, output: Int, factor: Double?) -> [Tap] {
        if input == output { return (0..<output).map { Tap(i0: $0, i1: $0, l0: 1, l1: 0) } }
        // `compute_scales_value`: `static_cast<float>(1.0 / scale)` or `float(in) / out`.
        let scale: Float = factor.map { Float(1.0 / $0) } ?? Float(input) / Float(output)
        return (0..<output).map { d in
            let raw = scale * (Float(d) + 0.5) - 0.5
            let src = raw < 0 ? 0 : raw
            let i0 = min(Int(src.rounded(.down)), input - 1)
            let l1 = min(max(src - Float(i0), 0), 1)
            return Tap(i0: i0, i1: i0 + (i0 < input - 1 ? 1 : 0), l0: 1 - l1, l1: l1)
        }
    }
}
