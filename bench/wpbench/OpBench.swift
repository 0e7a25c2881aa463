// Single-op timings for the deformable convolution and depthwise ops; driven by bench/dcn_speed.py.
//
// usage: wpbench dcn <channels> <size> <runs> [--v1] [--deformable-groups G] [--serve]
//   one DCN bottleneck conv2 (offset conv + split + deformable 3×3, channels → channels, stride 1,
//   padding 1) on a [1, channels, size, size] map, random values; R-50 at 800×800 has res3 128×100²,
//   res4 256×50², res5 512×25².
// usage: wpbench depthwise <channels> <size> <kernel> <stride> <runs>
//   `DepthwiseConvolution` against `Convolution(groups: channels)` on the same map.
// usage: wpbench ghostnet <width> <size> <runs> [--serve]
//   `ReferenceGhostNet` (v1 table at `width`, 1000 classes) on a [1, 3, size, size] input, random weights.
// usage: wpbench conv <batch> <in> <out> <size> <runs>
//   `Convolution` 3×3, padding 1, with bias and ReLU (a head tower's conv) on [batch, in, size, size].
// Each prints one JSON object; --serve speaks the protocol of the model benchmark (see main.swift).
import Foundation
import WeightPortCore
import WeightPortModels
import WeightPortReference

/// Deterministic values in [-scale, scale).
func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return (Float(Double(state >> 11) / Double(1 << 53)) * 2 - 1) * scale
    }
}

/// Times `body` `runs` times, or, serving, once per "run" line on stdin (printing each time after
/// "ready"); throws when nothing was timed.
func timedRuns(serve: Bool, runs: Int, _ body: () throws -> Void) throws -> [Double] {
    var times: [Double] = []
    func run() throws -> Double {
        let time = try milliseconds(body)
        times.append(time)
        return time
    }
    if serve {
        emit("ready")
        while let line = readLine(), line == "run" { emit(String(try run())) }
    } else {
        for _ in 0..<runs { _ = try run() }
    }
    guard !times.isEmpty else { throw BenchError.usage }
    return times
}

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

/// Runs an op benchmark when the first argument names one; false otherwise.
func runOpBench(_ arguments: [String]) throws -> Bool {
    guard let mode = arguments.first, ["dcn", "depthwise", "ghostnet", "conv"].contains(mode) else { return false }
    if mode == "conv" {
        let numbers = arguments.dropFirst().compactMap { Int($0) }
        guard numbers.count == 5 else { throw BenchError.usage }
        try benchConvolution(batch: numbers[0], inChannels: numbers[1], outChannels: numbers[2], size: numbers[3],
                             runs: numbers[4])
        return true
    }
    if mode == "ghostnet" {
        guard arguments.count >= 4, let width = Double(arguments[1]), let size = Int(arguments[2]),
              let runs = Int(arguments[3]) else { throw BenchError.usage }
        try benchGhostNet(width: width, size: size, runs: runs, serve: arguments.contains("--serve"))
        return true
    }
    let numbers = arguments.dropFirst().compactMap { Int($0) }
    if mode == "depthwise" {
        guard numbers.count == 5 else { throw BenchError.usage }
        try benchDepthwise(channels: numbers[0], size: numbers[1], kernel: numbers[2], stride: numbers[3], runs: numbers[4])
        return true
    }
    guard numbers.count >= 3 else { throw BenchError.usage }
    let groupsFlag = arguments.firstIndex(of: "--deformable-groups").flatMap { Int(arguments[$0 + 1]) } ?? 1
    try benchDeformable(channels: numbers[0], size: numbers[1], runs: numbers[2], modulated: !arguments.contains("--v1"),
                        deformableGroups: groupsFlag, serve: arguments.contains("--serve"))
    return true
}

func benchDeformable(channels: Int, size: Int, runs: Int, modulated: Bool, deformableGroups: Int, serve: Bool) throws {
    try ReferenceBLAS.load()
    let offsetChannels = (modulated ? 3 : 2) * deformableGroups * 9
    let layer = try DeformableLayer(
        inChannels: channels, outChannels: channels, deformableGroups: deformableGroups, split: modulated ? .thirds : nil,
        offsetWeights: randomValues(offsetChannels * channels * 9, seed: 1, scale: 0.02),
        offsetBias: randomValues(offsetChannels, seed: 2), weights: randomValues(channels * channels * 9, seed: 3, scale: 0.05))
    let input = FeatureMap(values: randomValues(channels * size * size, seed: 4), shape: [1, channels, size, size])
    let pool = BufferPool()
    _ = try layer.apply(input, pool: pool)   // warm-up
    let times = try timedRuns(serve: serve, runs: runs) { _ = try layer.apply(input, pool: pool) }
    emit("{\"op\": \"dcn\", \"channels\": \(channels), \"size\": \(size), \"modulated\": \(modulated), "
          + "\"median_ms\": \(times.sorted()[times.count / 2]), \"best_ms\": \(times.min() ?? 0)}")
}

func benchDepthwise(channels: Int, size: Int, kernel: Int, stride: Int, runs: Int) throws {
    try ReferenceBLAS.load()
    let padding = (kernel - 1) / 2
    let weights = randomValues(channels * kernel * kernel, seed: 5)
    guard let direct = DepthwiseConvolution(channels: channels, kernel: kernel, stride: stride, padding: padding,
                                            weights: weights) else { throw BenchError.usage }
    let grouped = Convolution(inChannels: channels, outChannels: channels, kernel: kernel, stride: stride,
                              padding: padding, groups: channels, weights: weights)
    let input = FeatureMap(values: randomValues(channels * size * size, seed: 6), shape: [1, channels, size, size])
    let pool = BufferPool()
    func median(_ body: () -> Void) -> Double {
        body()
        let times = (0..<max(runs, 1)).map { _ in milliseconds(body) }
        return times.sorted()[times.count / 2]
    }
    let directTime = median { _ = direct.apply(input, pool: pool) }
    let groupedTime = median { _ = grouped.apply(input, pool: pool) }
    // Memory-bound (issue #14): the bytes the op must move (input read, output written) per
    // second, against a copy of the same bytes split over the cores the same way.
    let outSize = (size + 2 * padding - kernel) / stride + 1
    let bytes = Double(4 * channels * (size * size + outSize * outSize))
    let floats = Int(bytes) / 8
    let source = FloatBuffer(capacity: floats), destination = FloatBuffer(capacity: floats)
    source.pointer.update(repeating: 1, count: floats)
    let copyTime = median { parallelCopy(from: source, to: destination, floats: floats) }
    emit("{\"op\": \"depthwise\", \"channels\": \(channels), \"size\": \(size), \"kernel\": \(kernel), "
          + "\"stride\": \(stride), \"direct_ms\": \(directTime), \"grouped_sgemm_ms\": \(groupedTime), "
          + "\"direct_gb_s\": \(bytes / directTime / 1e6), \"copy_gb_s\": \(bytes / copyTime / 1e6)}")
}

/// Copies `floats` floats (read + write = the op's bytes) in one contiguous part per core.
func parallelCopy(from source: FloatBuffer, to destination: FloatBuffer, floats: Int) {
    let parts = ProcessInfo.processInfo.activeProcessorCount
    Parallel.forEach(parts) { part in
        let start = floats * part / parts, end = floats * (part + 1) / parts
        (destination.pointer + start).update(from: source.pointer + start, count: end - start)
    }
}

func benchGhostNet(width: Double, size: Int, runs: Int, serve: Bool) throws {
    let spec = GhostNetSpec.v1(width: width)
    var seed: UInt64 = 7
    var dict = StateDict()
    for (name, shape) in spec.parameterShapes {
        seed += 1
        let count = shape.reduce(1, *), fanIn = max(shape.dropFirst().reduce(1, *), 1)
        let values: [Float]
        if name.hasSuffix("running_var") || (name.hasSuffix(".weight") && shape.count == 1) {
            values = randomValues(count, seed: seed, scale: 0.2).map { 1 + $0 }
        } else if shape.count == 1 {
            values = randomValues(count, seed: seed, scale: 0.1)
        } else {
            values = randomValues(count, seed: seed, scale: (6 / Float(fanIn)).squareRoot())
        }
        dict[name] = Tensor(float32: values, shape: shape)
    }
    let model = try ReferenceGhostNet(spec: spec, stateDict: dict)
    let input = FeatureMap(values: randomValues(3 * size * size, seed: 99), shape: [1, 3, size, size])
    _ = try model.forward(input)
    // One traced pass: the conv and linear products' share (depthwise convs are not products).
    GemmTrace.start()
    let tracedMs = try milliseconds { _ = try model.forward(input) }
    let trace = FloorBench.summary(GemmTrace.stop(), passMilliseconds: tracedMs)
    let times = try timedRuns(serve: serve, runs: runs) {
        let features = try model.forward(input)
        withExtendedLifetime(features) {}
    }
    emit("{\"op\": \"ghostnet\", \"width\": \(width), \"size\": \(size), \"median_ms\": \(times.sorted()[times.count / 2]), "
         + "\"trace\": \(trace)}")
}

func benchConvolution(batch: Int, inChannels: Int, outChannels: Int, size: Int, runs: Int) throws {
    try ReferenceBLAS.load()
    let conv = Convolution(inChannels: inChannels, outChannels: outChannels, kernel: 3, padding: 1,
                           weights: randomValues(outChannels * inChannels * 9, seed: 8, scale: 0.05),
                           bias: randomValues(outChannels, seed: 9))
    let input = FeatureMap(values: randomValues(batch * inChannels * size * size, seed: 10),
                           shape: [batch, inChannels, size, size])
    let pool = BufferPool()
    _ = conv.apply(input, pool: pool, relu: true)  // warm-up
    let times = (0..<max(runs, 1)).map { _ in milliseconds { _ = conv.apply(input, pool: pool, relu: true) } }
    // The same conv by im2col, for the Winograd path's rounding at full size (parity, issue #14).
    let im2col = Convolution(inChannels: inChannels, outChannels: outChannels, kernel: 3, padding: 1,
                             weights: conv.weights, bias: conv.bias, allowWinograd: false)
    let fast = conv.apply(input, pool: pool).values(), plain = im2col.apply(input, pool: pool).values()
    let report = Parity.compare(name: "winograd vs im2col", actual: fast, shape: [fast.count], expected: plain,
                                expectedShape: [plain.count])
    emit("{\"op\": \"conv\", \"shape\": \(input.shape), \"out\": \(outChannels), "
          + "\"median_ms\": \(times.sorted()[times.count / 2]), \"best_ms\": \(times.min() ?? 0), "
          + "\"winograd_vs_im2col_max_rel\": \(report.maxRelativeError)}")
}
