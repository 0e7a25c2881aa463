import Foundation

/// How a DCNv2 framework cuts its offset conv's output (`3·deformableGroups·k·k` channels) into
/// the offsets and the mask logits handed to the modulated deformable conv.
///
/// - `thirds`: detectron2 `DeformBottleneckBlock.forward` (`offset_x, offset_y, mask =
///   torch.chunk(offset_mask, 3, dim=1); offset = torch.cat((offset_x, offset_y), dim=1)`) and mmcv
///   `ModulatedDeformConv2dPack.forward` (`o1, o2, mask = torch.chunk(out, 3, dim=1)`): the first
///   two thirds, concatenated back in order, are the offsets (the kernel reads them as (dy, dx)
///   pairs), the last third the mask logits. So offsets = channels `[0, 2·g·k·k)`, mask =
///   `[2·g·k·k, 3·g·k·k)` for any number of deformable groups `g`.
/// - `maskrcnnBenchmark`: `DFConv2d.forward` (`maskrcnn_benchmark/layers/misc.py`) hard-codes
///   `offset = offset_mask[:, :18]` and `mask = offset_mask[:, -9:]`. With one deformable group and a
///   3×3 kernel (27 channels) that is exactly `thirds`. With `g > 1` the slices hold 18 and 9
///   channels where the kernel needs `18·g` and `9·g`: its CUDA kernel then reads `18·g` offset
///   channels from the start of the output (the same as `thirds`) but `9·g` mask channels from
///   channel `27·g − 9` on, i.e. past the end of the offset conv's output. No defined result
///   exists to reproduce, so this rule refuses `g > 1` (and kernels other than 3×3).
/// - `interleaved`: offsets and mask per deformable group side by side (`[dy,dx]·k·k` then `k·k`
///   mask channels for group 0, then group 1, …). No framework does this; it is the plausible
///   misreading that tests use to show a wrong layout is caught.
public enum ModulatedOffsetSplit: String, Sendable, CaseIterable {
    case thirds
    case maskrcnnBenchmark = "maskrcnn-benchmark"
    case interleaved

    /// The offset channels and mask channels (in the order the deformable conv takes them) of an
    /// offset-conv output with `channels` channels, for `deformableGroups` groups and a `kernel`×`kernel` conv.
    public func channels(of channels: Int, deformableGroups: Int,
                         kernel: Int) throws(DeformableConvolutionError) -> (offset: [Int], mask: [Int]) {
        let taps = kernel * kernel, g = deformableGroups
        guard g > 0, kernel > 0, channels == 3 * g * taps else {
            throw .split(rule: rawValue, reason: "\(channels) channels, a DCNv2 offset conv with \(g) deformable groups and a \(kernel)×\(kernel) kernel has \(3 * g * taps)")
        }
        switch self {
        case .thirds:
            return (Array(0..<(2 * g * taps)), Array((2 * g * taps)..<channels))
        case .maskrcnnBenchmark:
            guard g == 1, kernel == 3 else {
                throw .split(rule: rawValue, reason: "its `[:, :18]` / `[:, -9:]` slices serve only one deformable group and a 3×3 kernel; with \(g) groups its kernel reads mask channels past the end of the offset conv's \(channels)")
            }
            return (Array(0..<18), Array((channels - 9)..<channels))
        case .interleaved:
            var offset: [Int] = [], mask: [Int] = []
            for group in 0..<g {
                let base = group * 3 * taps
                offset += Array(base..<(base + 2 * taps))
                mask += Array((base + 2 * taps)..<(base + 3 * taps))
            }
            return (offset, mask)
        }
    }

    /// Splits an offset conv's output into the offsets and the mask, the latter through the sigmoid
    /// (every framework applies `sigmoid` to the mask logits before the modulated conv).
    public func split(_ output: FeatureMap, deformableGroups: Int, kernel: Int,
                      pool: BufferPool) throws(DeformableConvolutionError) -> (offset: FeatureMap, mask: FeatureMap) {
        let (offsetChannels, maskChannels) = try channels(of: output.channels, deformableGroups: deformableGroups,
                                                          kernel: kernel)
        let offset = Self.gather(output, channels: offsetChannels, pool: pool, transform: nil)
        let mask = Self.gather(output, channels: maskChannels, pool: pool, transform: Self.sigmoid)
        return (offset, mask)
    }

    /// `1 / (1 + exp(−x))`, as `torch.sigmoid` (float32).
    @Sendable public static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    /// The listed channels of `map` (per image, in order), each value passed through `transform`.
    static func gather(_ map: FeatureMap, channels: [Int], pool: BufferPool,
                       transform: (@Sendable (Float) -> Float)?) -> FeatureMap {
        let result = FeatureMap(batch: map.batch, channels: channels.count, height: map.height, width: map.width,
                                pool: pool)
        let plane = map.planeSize
        let pointers = SharedPointers(source: map.pointer, matrix: result.pointer)
        let (count, sourceChannels) = (channels.count, map.channels)
        ChannelLoop.run(map.batch * count, minimumWork: plane) { index in
            let image = index / count, channel = channels[index % count]
            let source = pointers.source + (image * sourceChannels + channel) * plane
            let destination = pointers.matrix + index * plane
            if let transform {
                for i in 0..<plane { destination[i] = transform(source[i]) }
            } else {
                destination.update(from: source, count: plane)
            }
        }
        return result
    }
}
