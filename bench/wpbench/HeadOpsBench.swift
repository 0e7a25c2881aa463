// `wpbench headops <runs>`: times the detection-head building blocks on random FPN features of an
// 800×800 image (P2–P5, 256 channels), with the boxes bench/headops.py gives torchvision:
//   box_pool    MultiLevelRoIAlign 7×7, sampling 2, legacy, torchvision rule, 1000 boxes
//   mask_pool   the same at 14×14 for the first 100 boxes
//   mask_deconv ConvTranspose2d 256→256, 2×2 stride 2, ReLU, on 100×256×14×14
//   kps_deconv  ConvTranspose2d 512→17, 4×4 stride 2 pad 1, on 100×512×14×14
//   kps_upsample BilinearUpsample ×2 on 100×17×28×28
// Prints one JSON object with each op's per-run milliseconds and median.
import Foundation
import WeightPortReference

enum HeadOpsBench {
    static let image = 800, channels = 256

    /// Box `i` of the benchmark, the same integer formula as bench/headops.py.
    static func box(_ i: Int) -> RoIBox {
        let x1 = Float((i * 37) % 700), y1 = Float((i * 53) % 700)
        let w = Float(4 + (i * 97) % 500), h = Float(4 + (i * 89) % 500)
        return RoIBox(x1: x1, y1: y1, x2: x1 + w, y2: y1 + h)
    }

    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53)) * 2 - 1
        }
    }

    static func map(_ shape: [Int], seed: UInt64) -> FeatureMap {
        FeatureMap(values: random(shape.reduce(1, *), seed: seed), shape: shape)
    }

    static func run(_ arguments: [String]) throws {
        let runs = arguments.first.flatMap(Int.init) ?? 5
        let maps = (2...5).map { map([1, channels, image >> $0, image >> $0], seed: UInt64($0)) }
        let boxes = (0..<1000).map(box)
        let rule = try LevelAssignment(rule: .torchvision)
        let boxPooler = try MultiLevelRoIAlign(outputSize: 7, samplingRatio: 2, aligned: false, assignment: rule)
        let maskPooler = try MultiLevelRoIAlign(outputSize: 14, samplingRatio: 2, aligned: false, assignment: rule)
        let maskDeconv = try ConvTranspose2d(inChannels: 256, outChannels: 256, kernel: 2, stride: 2,
                                             weights: random(256 * 256 * 4, seed: 10), bias: random(256, seed: 11))
        let kpsDeconv = try ConvTranspose2d(inChannels: 512, outChannels: 17, kernel: 4, stride: 2, padding: 1,
                                            weights: random(512 * 17 * 16, seed: 12), bias: random(17, seed: 13))
        let upsample = try BilinearUpsample(scaleFactor: 2)
        let maskInput = map([100, 256, 14, 14], seed: 20), kpsInput = map([100, 512, 14, 14], seed: 21)
        let lowres = map([100, 17, 28, 28], seed: 22)
        let pool = BufferPool()
        let ops: [(String, () throws -> FeatureMap)] = [
            ("box_pool", { try boxPooler.apply(maps, boxes: boxes, pool: pool).pooled }),
            ("mask_pool", { try maskPooler.apply(maps, boxes: Array(boxes.prefix(100)), pool: pool).pooled }),
            ("mask_deconv", { try maskDeconv.apply(maskInput, pool: pool, relu: true) }),
            ("kps_deconv", { try kpsDeconv.apply(kpsInput, pool: pool) }),
            ("kps_upsample", { try upsample.apply(lowres, pool: pool) }),
        ]
        var parts: [String] = []
        for (name, op) in ops {
            _ = try op()  // warm-up: first-touch pages of the output and scratch buffers
            var times: [Double] = []
            for _ in 0..<max(runs, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                let result = try op()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                withExtendedLifetime(result) {}
            }
            let median = times.sorted()[times.count / 2]
            parts.append("\"\(name)\": {\"times_ms\": \(times.map { ($0 * 100).rounded() / 100 }), \"median_ms\": \(median)}")
        }
        print("{" + parts.joined(separator: ", ") + "}")
    }
}
