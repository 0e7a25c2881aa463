// Times the reference forward pass on random weights; driven by bench/forward.py.
// (`wpbench dcn …` and `wpbench depthwise …` time single ops instead: see OpBench.swift.)
//
// usage: wpbench <arch-name> <height> <width> <runs> [--classes N] [--stride-3x3] [--input file.f32] [--serve]
//        wpbench headops <runs>   (the detection-head ops; see HeadOpsBench.swift)
//        wpbench heads <box|mask|keypoint> <boxes> <size> <runs> [--arch NAME] [--subtract] [--serve]
//                                 (whole heads through ReferenceModel; see HeadsBench.swift)
// Prints one JSON object: per-run milliseconds, the median, and the process's peak RSS.
// With --serve it prints `ready` after the warm-up, then runs one forward pass per `run` line on
// stdin and answers with its milliseconds, so a driver can interleave runs with PyTorch's; `sgemm`,
// `floor` and `trace` lines time the floors instead (FloorBench.swift). The JSON summary follows
// at end of input.
import Foundation
import WeightPortCore
import WeightPortModels
import WeightPortReference

struct BenchOptions {
    var arch = "R-50"
    var height = 224, width = 224, runs = 5
    var classes: Int?
    var strideOn3x3 = false
    var inputPath: String?
    var serve = false

    init(_ arguments: [String]) throws {
        var rest = arguments.makeIterator()
        var positional: [String] = []
        while let argument = rest.next() {
            switch argument {
            case "--classes": classes = rest.next().flatMap(Int.init)
            case "--stride-3x3": strideOn3x3 = true
            case "--input": inputPath = rest.next()
            case "--serve": serve = true
            default: positional.append(argument)
            }
        }
        guard positional.count == 4, let h = Int(positional[1]), let w = Int(positional[2]), let r = Int(positional[3]) else {
            throw BenchError.usage
        }
        (arch, height, width, runs) = (positional[0], h, w, r)
    }
}

enum BenchError: Error { case usage, input(String) }

/// He-scaled random values for every parameter (norms near identity), deterministic.
func randomStateDict(_ tree: ModelTree) -> StateDict {
    var state: UInt64 = 0x5eed
    func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 11) / Double(1 << 53)) * 2 - 1
    }
    var dict = StateDict()
    for parameter in tree.parameters {
        let fanIn = parameter.shape.dropFirst().reduce(1, *)
        let values: [Float] = (0..<parameter.count).map { _ in
            switch parameter.role {
            case .convWeight, .linearWeight: return next() * (6 / Float(max(fanIn, 1))).squareRoot()
            case .normWeight: return 1 + 0.1 * next()
            case .normRunningVar: return 1 + 0.2 * next()
            case .convBias, .linearBias, .normBias, .normRunningMean: return 0.1 * next()
            }
        }
        dict[parameter.path] = Tensor(float32: values, shape: parameter.shape)
    }
    return dict
}

func loadInput(_ options: BenchOptions) throws -> FeatureMap {
    let count = 3 * options.height * options.width
    guard let path = options.inputPath else {
        return FeatureMap(values: (0..<count).map { Float(($0 * 7919) % 2001) / 1000 - 1 },
                          shape: [1, 3, options.height, options.width])
    }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard data.count == count * 4 else { throw BenchError.input("\(path) holds \(data.count) bytes, need \(count * 4)") }
    let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    return FeatureMap(values: values, shape: [1, 3, options.height, options.width])
}

/// Peak resident memory of this program. `VmHWM` belongs to the current address space; getrusage's
/// `ru_maxrss` would also count the parent's memory at fork when launched from Python.
func peakResidentMegabytes() -> Double {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) {
        return kilobytes / 1024
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes.
}

/// Writes a line to stdout at once (unbuffered), for the driver waiting on it.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func main() throws {
    // `wpbench headops <runs>` times the detection-head ops instead (HeadOpsBench.swift).
    if CommandLine.arguments.dropFirst().first == "headops" {
        return try HeadOpsBench.run(Array(CommandLine.arguments.dropFirst(2)))
    }
    if CommandLine.arguments.dropFirst().first == "heads" {
        return try HeadsBench.run(Array(CommandLine.arguments.dropFirst(2)))
    }
    let options = try BenchOptions(Array(CommandLine.arguments.dropFirst()))
    var spec = try ArchitectureSpec(name: options.arch)
    spec.classes = options.classes
    if options.strideOn3x3 { spec.strideIn1x1 = false }
    let tree = try ModelTree(spec: spec)
    let model = try ReferenceModel(tree: try ModelTree(spec: spec), stateDict: randomStateDict(tree))
    let input = try loadInput(options)
    _ = try model.forward(input)  // warm-up: first-touch pages, OpenBLAS threads
    var times: [Double] = []
    func timedRun() throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let features = try model.forward(input)
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        withExtendedLifetime(features) {}
        times.append(milliseconds)
        return milliseconds
    }
    // The forward pass's own peak: read before the floors' operand buffers (up to 160 MB) exist.
    var peak = peakResidentMegabytes()
    if options.serve {
        // A traced pass gives the floors' shapes (and warms the trace's code path).
        GemmTrace.start()
        _ = try model.forward(input)
        peak = peakResidentMegabytes()
        let floors = FloorBench(shapes: GemmTrace.stop())
        emit("ready")
        serving: while let line = readLine() {
            switch line {
            case "run": emit(String(try timedRun()))
            case "sgemm": emit(String(floors.sgemm2048()))
            case "floor": emit(String(floors.perShapeFloor()))
            case "trace":
                GemmTrace.start()
                let ms = try milliseconds { _ = try model.forward(input) }
                emit(FloorBench.summary(GemmTrace.stop(), passMilliseconds: ms))
            default: break serving
            }
        }
    } else {
        for _ in 0..<options.runs { _ = try timedRun() }
    }
    guard !times.isEmpty else { throw BenchError.usage }
    let median = times.sorted()[times.count / 2]
    let rounded = times.map { ($0 * 100).rounded() / 100 }
    emit("{\"arch\": \"\(options.arch)\", \"times_ms\": \(rounded), \"median_ms\": \(median), "
          + "\"max_rss_mb\": \(options.serve ? peak : peakResidentMegabytes()), \"pooled_mb\": \(Double(model.pooledFloats) * 4 / 1e6)}")
}

do {
    if try !runOpBench(Array(CommandLine.arguments.dropFirst())) { try main() }
} catch {
    FileHandle.standardError.write(Data("wpbench: \(error)\n".utf8))
    exit(2)
}
