// `wpbench heads <box|mask|keypoint> <boxes> <size> <runs> [--arch NAME] [--subtract] [--serve]`: times one
// full-size R-50-FPN Mask / Keypoint R-CNN head.
//   box       box head 2mlp (fc6/fc7 1024 on 256×7×7) + box predictor (81 classes, 324 deltas)
//   mask      mask head v1up4convs (4 × conv 256, deconv 2×2/2 256 + ReLU, 1×1 to 81 logits)
//   keypoint  keypoint head v1convX (8 × conv 512, score_lowres 4×4/2 to 17, ×2 bilinear interpolate)
// Each is pooled with torchvision's semantics (legacy RoIAlign, sampling 2, 7×7 box / 14×14 mask and
// keypoint, torchvision's level rule) on the first `boxes` boxes of HeadOpsBench.box, from the
// P2–P5 features of the `--arch` backbone (default R-50-FPN, random weights) on a size×size input.
//
// `ReferenceModel.forward(_:heads:)` (the path `verify --boxes` runs) takes no precomputed features:
// it always runs the backbone first. So there are two ways to time the heads:
//  - default, heads only: the P2–P5 maps of one forward pass are recorded, and the head is run on them
//    by the same public ops its twin (ReferenceBoxHead / ReferenceMaskHead / ReferenceKeypointHead)
//    is made of, with the same weights, in the same order. Before timing, its output is compared with
//    `forward(_:heads:)`'s on the same input (printed as `max_abs_diff`; it must be 0).
//  - `--subtract`: the difference of two whole passes of the model, with the boxes and without (in
//    alternating order). This times the twins themselves, but carries the backbone's noise.
// Each run prints `heads_ms` (heads only) or `with_ms without_ms` (--subtract); with --serve it speaks
// the protocol of main.swift (`ready`, then one line per `run`), and a JSON summary ends the output.
import Foundation
import WeightPortCore
import WeightPortModels
import WeightPortReference

enum HeadsBench {
    /// The head's spec on a 256-channel pyramid, as torchvision's and Detectron's R-50-FPN models have it.
    static func heads(_ head: String) throws -> HeadsSpec {
        switch head {
        case "box":
            return HeadsSpec(box: BoxHead.Spec(inChannels: 256, resolution: 7, fcs: 2, fcDim: 1024),
                             boxPredictor: BoxPredictor.Spec(inFeatures: 1024, classes: 81, boxRows: 4 * 81))
        case "mask":
            return HeadsSpec(mask: MaskHead.Spec(inChannels: 256, convs: 4, dim: 256, classes: 81))
        case "keypoint":
            return HeadsSpec(keypoint: KeypointHead.Spec(inChannels: 256, convs: 8, dim: 512, keypoints: 17))
        default:
            throw BenchError.input("unknown head '\(head)' (box, mask or keypoint)")
        }
    }

    static func run(_ arguments: [String]) throws {
        var positional: [String] = []
        var arch = "R-50-FPN", serve = false, subtract = false
        var rest = arguments.makeIterator()
        while let argument = rest.next() {
            switch argument {
            case "--arch": arch = rest.next() ?? arch
            case "--serve": serve = true
            case "--subtract": subtract = true
            default: positional.append(argument)
            }
        }
        guard positional.count == 4, let boxCount = Int(positional[1]), let size = Int(positional[2]),
              let runs = Int(positional[3]) else { throw BenchError.usage }
        let head = positional[0]
        var spec = try ArchitectureSpec(name: arch)
        spec.strideIn1x1 = false
        spec.heads = try heads(head)
        let tree = try ModelTree(spec: spec)
        let weights = randomStateDict(tree)
        let model = try ReferenceModel(tree: tree, stateDict: weights)
        let input = FeatureMap(values: randomValues(3 * size * size, seed: 77), shape: [1, 3, size, size])
        var settings = HeadSettings(boxes: (0..<boxCount).map(HeadOpsBench.box))
        settings.roiAlign = .legacy
        settings.levelRule = .torchvision
        settings.box = .init(resolution: 7, samplingRatio: 2)
        settings.mask = .init(resolution: 14, samplingRatio: 2)
        settings.keypoint = .init(resolution: 14, samplingRatio: 2)
        settings.keypointUpsampling = .bilinearInterpolate

        func timed(_ heads: HeadSettings?) throws -> Double {
            var features: [String: FeatureMap] = [:]
            let time = try milliseconds { features = try model.forward(input, heads: heads) }
            withExtendedLifetime(features) {}
            return time
        }
        // Warm-up of both passes (first-touch pages of every buffer), and the outputs to check against.
        let output = try model.forward(input, heads: settings)
        let name = ["box": "box.cls_score", "mask": "mask.logits", "keypoint": "keypoint.logits"][head] ?? ""
        guard let expected = output[name] else { throw BenchError.input("the pass computed no \(name)") }
        let recorded = try model.forward(input)
        let maps = try (2...5).map { level in
            guard let map = recorded["p\(level)"] else { throw BenchError.input("the pass computed no p\(level)") }
            return map
        }
        let path = try HeadsOnly(head, weights: weights, settings: settings)
        let pool = BufferPool()
        let mine = try path.run(maps, pool: pool)
        guard mine.shape == expected.shape else { throw BenchError.input("heads-only \(mine.shape) vs \(expected.shape)") }
        let a = mine.values(), b = expected.values()
        let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0

        var times: [Double] = [], with: [Double] = [], without: [Double] = []
        func once() throws -> String {
            if !subtract {
                var result: FeatureMap?
                times.append(try milliseconds { result = try path.run(maps, pool: pool) })
                withExtendedLifetime(result) {}
                return "\(times[times.count - 1])"
            }
            let withFirst = with.count % 2 == 0
            if withFirst { with.append(try timed(settings)) }
            without.append(try timed(nil))
            if !withFirst { with.append(try timed(settings)) }
            times.append(with[with.count - 1] - without[without.count - 1])
            return "\(with[with.count - 1]) \(without[without.count - 1])"
        }
        if serve {
            emit("ready")
            // `sgemm`: the machine's 2048³ rate in this process, for the heads' % of it (issue #14).
            let floors = FloorBench(shapes: [])
            while let line = readLine(), line == "run" || line == "sgemm" {
                emit(line == "run" ? try once() : String(floors.sgemm2048()))
            }
        } else {
            for _ in 0..<runs { _ = try once() }
        }
        guard !times.isEmpty else { throw BenchError.usage }
        emit("{\"head\": \"\(head)\", \"arch\": \"\(arch)\", \"boxes\": \(boxCount), \"output_shape\": \(expected.shape), "
              + "\"method\": \"\(subtract ? "subtract" : "heads-only")\", \"max_abs_diff\": \(difference), "
              + "\"times_ms\": \(times), \"median_ms\": \(times.sorted()[times.count / 2]), "
              + "\"with_ms\": \(with), \"without_ms\": \(without), \"max_rss_mb\": \(peakResidentMegabytes())}")
    }
}

/// One head composed of the public ops its `ReferenceModel` twin runs, in the twin's order, on
/// given P2–P5 maps: pooling, tower convs + ReLU, then fcs + ReLU and the predictor (box), or
/// deconv + ReLU and the 1×1 logits (mask), or `score_lowres` and ×2 bilinear (keypoint).
struct HeadsOnly {
    let pooler: MultiLevelRoIAlign
    let boxes: [RoIBox]
    var convs: [Convolution] = []
    var fcs: [Linear] = []
    var predictors: [Linear] = []
    var deconv: ConvTranspose2d?
    var logits: Convolution?
    var upsample: BilinearUpsample?

    init(_ head: String, weights: StateDict, settings: HeadSettings) throws {
        func floats(_ path: String) throws -> [Float] {
            guard let tensor = weights[path] else { throw BenchError.input("no \(path) in the state dict") }
            return tensor.floats()
        }
        func conv(_ path: String, _ inChannels: Int, _ outChannels: Int, kernel: Int = 3) throws -> Convolution {
            Convolution(inChannels: inChannels, outChannels: outChannels, kernel: kernel, padding: kernel / 2,
                        weights: try floats(path + ".weight"), bias: try floats(path + ".bias"))
        }
        func linear(_ path: String, _ inFeatures: Int, _ outFeatures: Int) throws -> Linear {
            Linear(inFeatures: inFeatures, outFeatures: outFeatures, weight: try floats(path + ".weight"),
                   bias: try floats(path + ".bias"))
        }
        let assignment = try LevelAssignment(rule: settings.levelRule, minLevel: settings.minLevel, maxLevel: settings.maxLevel)
        let resolution = head == "box" ? settings.box : head == "mask" ? settings.mask : settings.keypoint
        pooler = try MultiLevelRoIAlign(outputSize: resolution.resolution, samplingRatio: resolution.samplingRatio,
                                        aligned: settings.roiAlign == .aligned, assignment: assignment)
        boxes = settings.boxes
        switch head {
        case "box":
            let path = "roi_heads.box_head"
            fcs = [try linear(path + ".fc1", 256 * 7 * 7, 1024), try linear(path + ".fc2", 1024, 1024)]
            predictors = [try linear("roi_heads.box_predictor.cls_score", 1024, 81),
                          try linear("roi_heads.box_predictor.bbox_pred", 1024, 4 * 81)]
        case "mask":
            let path = "roi_heads.mask_head"
            convs = try (1...4).map { try conv("\(path).mask_fcn\($0)", 256, 256) }
            deconv = try ConvTranspose2d(inChannels: 256, outChannels: 256, kernel: 2, stride: 2,
                                         weights: try floats(path + ".deconv.weight"), bias: try floats(path + ".deconv.bias"))
            logits = try conv(path + ".predictor", 256, 81, kernel: 1)
        default:
            let path = "roi_heads.keypoint_head"
            convs = try (1...8).map { try conv("\(path).conv_fcn\($0)", $0 == 1 ? 256 : 512, 512) }
            deconv = try ConvTranspose2d(inChannels: 512, outChannels: 17, kernel: 4, stride: 2, padding: 1,
                                         weights: try floats(path + ".score_lowres.weight"),
                                         bias: try floats(path + ".score_lowres.bias"))
            upsample = try BilinearUpsample(scaleFactor: 2)
        }
    }

    /// The head's last output: `box.cls_score`, `mask.logits` or `keypoint.logits` (the box head also
    /// computes `bbox_pred`, as its twin does).
    func run(_ maps: [FeatureMap], pool: BufferPool) throws -> FeatureMap {
        var x = try pooler.apply(maps, boxes: boxes, pool: pool).pooled
        for conv in convs { x = conv.apply(x, pool: pool, relu: true) }
        for fc in fcs { x = fc.apply(x, pool: pool, relu: true) }  // as ReferenceBoxHead
        if !predictors.isEmpty {
            let scores = predictors[0].apply(x, pool: pool)
            let deltas = predictors[1].apply(x, pool: pool)
            withExtendedLifetime(deltas) {}
            return scores
        }
        if let deconv {
            // The mask head's deconv has a ReLU; the keypoint head's score_lowres has none.
            x = try deconv.apply(x, pool: pool, relu: logits != nil)
        }
        if let logits { x = logits.apply(x, pool: pool, relu: false) }
        if let upsample { x = try upsample.apply(x, pool: pool) }
        return x
    }
}
