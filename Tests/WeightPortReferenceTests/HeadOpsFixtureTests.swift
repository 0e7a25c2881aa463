import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortReference
import WeightPortTestSupport
import XCTest

/// The head ops against what PyTorch / torchvision recorded in fixtures/headops (written by
/// fixtures/gen_headops.py): RoIAlign in both variants and samplings, the four level rules, the
/// multi-level pooler per convention, ConvTranspose2d and bilinear interpolate. Each comparison
/// prints its measured error, so the run's log shows how close the ops are.
final class HeadOpsFixtureTests: XCTestCase {
    /// RoIAlign and bilinear interpolation perform the same float32 operations in the same order
    /// as the torchvision/ATen kernels; what can still differ is the compilers' contraction of
    /// `a·b + c` into FMAs and the libm, i.e. an ulp or two of the few terms summed per output.
    /// 1e-6 of the largest expected magnitude (about 8 ulps) covers that, while the smallest
    /// semantic difference the tests below provoke (legacy vs aligned, sampling 2 vs adaptive) is
    /// above 1e-2.
    let samplingTolerance: Float = 1e-6
    /// ConvTranspose2d sums `in·k²/stride²` products through sgemm in another order than PyTorch's
    /// (also gemm + col2im, blocked differently); float32 reassociation of up to ~50 terms of
    /// mixed sign stays within ~1e-6 of the output's magnitude, so 1e-5 leaves room without
    /// hiding an indexing mistake (those are O(1) relative).
    let productTolerance: Float = 1e-5

    private func tensors(_ name: String) throws -> StateDict {
        try SafetensorsReader.read(Fixtures.bytes("headops/\(name).safetensors")).tensors
    }

    private func meta() throws -> [String: Any] {
        try XCTUnwrap(Fixtures.json("headops/cases.json") as? [String: Any])
    }

    private func map(_ tensor: Tensor?) throws -> FeatureMap {
        let t = try XCTUnwrap(tensor)
        return FeatureMap(values: t.floats(), shape: t.shape)
    }

    private func boxes(_ tensor: Tensor?) throws -> [RoIBox] {
        let t = try XCTUnwrap(tensor)
        return try RoIBox.boxes(rows: t.floats(), columns: t.shape[1])
    }

    @discardableResult
    private func compare(_ name: String, _ actual: FeatureMap, _ expected: Tensor?, tolerance: Float,
                         file: StaticString = #filePath, line: UInt = #line) throws -> Parity.Report {
        let e = try XCTUnwrap(expected, name, file: file, line: line)
        let report = Parity.compare(name: name, actual: actual.values(), shape: actual.shape, expected: e.floats(),
                                    expectedShape: e.shape, tolerance: tolerance)
        print("headops: \(report)")
        return report
    }

    // MARK: RoIAlign

    func testRoIAlignMatchesTorchvisionInEveryCase() throws {
        let t = try tensors("roi_align"), cases = try XCTUnwrap(meta()["roi_align"] as? [[String: Any]])
        let x = try map(t["input"]), rois = try boxes(t["boxes"])
        XCTAssertEqual(cases.count, 7)
        for c in cases {
            let size = try XCTUnwrap(c["output"] as? [Int])
            let align = try RoIAlign(outputHeight: size[0], outputWidth: size[1],
                                     spatialScale: Float(try XCTUnwrap(c["spatial_scale"] as? Double)),
                                     samplingRatio: try XCTUnwrap(c["sampling_ratio"] as? Int),
                                     aligned: try XCTUnwrap(c["aligned"] as? Bool))
            let out = try align.apply(x, boxes: rois, pool: BufferPool())
            let report = try compare("roi_align.\(c["name"]!)", out, t[try XCTUnwrap(c["key"] as? String)],
                                     tolerance: samplingTolerance)
            XCTAssertTrue(report.passes, report.description)
        }
    }

    func testRoIAlignWrongVariantOrSamplingFails() throws {
        let t = try tensors("roi_align")
        let x = try map(t["input"]), rois = try boxes(t["boxes"])
        // Legacy arithmetic against detectron2's aligned result, and the reverse: the −0.5 shift
        // moves every sample by half a feature pixel.
        let legacy = try RoIAlign(outputSize: 7, spatialScale: 0.25, samplingRatio: 2, aligned: false)
        let aligned = try RoIAlign(outputSize: 7, spatialScale: 0.25, samplingRatio: 2, aligned: true)
        let wrongVariant = try compare("legacy vs aligned_s2", legacy.apply(x, boxes: rois, pool: BufferPool()),
                                       t["out.aligned_s2"], tolerance: samplingTolerance)
        XCTAssertFalse(wrongVariant.passes, "a wrong RoIAlign variant must fail: \(wrongVariant)")
        XCTAssertGreaterThan(wrongVariant.maxRelativeError, 1e4 * samplingTolerance)
        let reverse = try compare("aligned vs legacy_s2", aligned.apply(x, boxes: rois, pool: BufferPool()),
                                  t["out.legacy_s2"], tolerance: samplingTolerance)
        XCTAssertFalse(reverse.passes)
        // Fixed sampling 2 against adaptive (detectron2/mmdet): the whole-image box samples a
        // 3×3 lattice per bin instead of 2×2.
        let wrongSampling = try compare("s2 vs adaptive", aligned.apply(x, boxes: rois, pool: BufferPool()),
                                        t["out.aligned_adaptive"], tolerance: samplingTolerance)
        XCTAssertFalse(wrongSampling.passes, "a wrong sampling ratio must fail: \(wrongSampling)")
        XCTAssertGreaterThan(wrongSampling.maxRelativeError, 1e3 * samplingTolerance)
    }

    func testAdaptiveGridIsCeilOfBinSize() throws {
        let align = try RoIAlign(outputSize: 7, spatialScale: 0.25, samplingRatio: 0, aligned: true)
        // 47×63 image pixels = 11.75×15.75 feature pixels → bins 1.68×2.25 → ceil 2×3 (height first).
        let grid = align.samplingGrid(for: RoIBox(x1: 0, y1: 0, x2: 47, y2: 63))
        XCTAssertEqual(grid.height, 3)
        XCTAssertEqual(grid.width, 2)
        XCTAssertEqual(align.samplingGrid(for: RoIBox(x1: 15, y1: 15, x2: 15, y2: 15)).height, 0,
                       "an empty aligned box samples nothing and pools to zeros")
        let legacy = try RoIAlign(outputSize: 7, spatialScale: 0.25, samplingRatio: 0, aligned: false)
        XCTAssertEqual(legacy.samplingGrid(for: RoIBox(x1: 15, y1: 15, x2: 15, y2: 15)).height, 1,
                       "legacy forces the RoI to 1×1, so one sample per bin")
    }

    // MARK: Level assignment and the pooler

    private func pyramidMeta() throws -> [String: Any] { try XCTUnwrap(meta()["pyramid"] as? [String: Any]) }

    func testLevelAssignmentEqualsEachFrameworkExactly() throws {
        let p = try pyramidMeta(), rois = try boxes(tensors("pyramid")["boxes"])
        let expected = try XCTUnwrap(p["expected_levels"] as? [String: [Int]])
        XCTAssertEqual(Set(expected.keys), Set(LevelAssignment.Rule.allCases.map(\.rawValue)))
        for rule in LevelAssignment.Rule.allCases {
            let assignment = try LevelAssignment(rule: rule, minLevel: 2, maxLevel: 5)
            // A level is an integer: no tolerance, every box must land where the framework puts it.
            XCTAssertEqual(assignment.levels(of: rois), expected[rule.rawValue], "rule \(rule)")
        }
        XCTAssertEqual(Set(expected["torchvision"] ?? []), [2, 3, 4, 5], "the fixture uses every level")
    }

    func testDesignatedBoxesSeparateTheRules() throws {
        let p = try pyramidMeta(), rois = try boxes(tensors("pyramid")["boxes"])
        let designated = try XCTUnwrap(p["designated"] as? [String: [Int]])
        let level = { (rule: LevelAssignment.Rule, box: Int) throws -> Int in
            try LevelAssignment(rule: rule).level(of: rois[box])
        }
        let pairs: [(String, LevelAssignment.Rule, LevelAssignment.Rule)] = [
            ("plus_one_area", .detectron, .torchvision), ("plus_one_area", .detectron, .detectron2),
            ("eps_position", .torchvision, .detectron2), ("mmdet_eps", .torchvision, .mmdet),
        ]
        for (name, first, second) in pairs {
            let indices = try XCTUnwrap(designated[name])
            XCTAssertFalse(indices.isEmpty, name)
            for box in indices {
                XCTAssertNotEqual(try level(first, box), try level(second, box), "\(name): box \(box) under \(first) and \(second)")
            }
        }
        XCTAssertEqual(try level(.detectron, 2), 3, "111×111: Detectron's +1 makes s = 112 → P3")
        XCTAssertEqual(try level(.torchvision, 2), 2, "111×111 under the plain area → P2")
    }

    private func pyramidMaps() throws -> [FeatureMap] {
        let t = try tensors("pyramid")
        return try (2...5).map { try map(t["p\($0)"]) }
    }

    func testPoolerMatchesEachConvention() throws {
        let p = try pyramidMeta(), t = try tensors("pyramid")
        let conventions = try XCTUnwrap(p["conventions"] as? [String: [String: Any]])
        let expectedLevels = try XCTUnwrap(p["expected_levels"] as? [String: [Int]])
        let maps = try pyramidMaps(), rois = try boxes(t["boxes"])
        XCTAssertEqual(Set(conventions.keys), ["detectron", "torchvision", "detectron2", "mmdet"])
        for (name, c) in conventions.sorted(by: { $0.key < $1.key }) {
            let rule = try XCTUnwrap(LevelAssignment.Rule(rawValue: try XCTUnwrap(c["rule"] as? String)))
            let pooler = try MultiLevelRoIAlign(outputSize: 7, samplingRatio: try XCTUnwrap(c["sampling_ratio"] as? Int),
                                                aligned: try XCTUnwrap(c["aligned"] as? Bool),
                                                assignment: LevelAssignment(rule: rule))
            let (pooled, levels) = try pooler.apply(maps, boxes: rois, pool: BufferPool())
            XCTAssertEqual(levels, expectedLevels[rule.rawValue], name)
            let report = try compare("pooled.\(name)", pooled, t["pooled.\(name)"], tolerance: samplingTolerance)
            XCTAssertTrue(report.passes, report.description)
        }
    }

    func testPoolerWithAnotherFrameworksRuleFailsOnTheDesignatedBoxes() throws {
        let p = try pyramidMeta(), t = try tensors("pyramid")
        let designated = try XCTUnwrap(p["designated"] as? [String: [Int]])
        let maps = try pyramidMaps(), rois = try boxes(t["boxes"])
        // torchvision's variant and sampling, but Detectron's +1 level rule.
        let wrongRule = try MultiLevelRoIAlign(outputSize: 7, samplingRatio: 2, aligned: false,
                                               assignment: LevelAssignment(rule: .detectron))
        let pooled = try wrongRule.apply(maps, boxes: rois, pool: BufferPool()).pooled
        let expected = try XCTUnwrap(t["pooled.torchvision"]).floats()
        let perBox = pooled.channels * 49, values = pooled.values()
        let moved = Set(try XCTUnwrap(designated["plus_one_area"]))
        for box in 0..<rois.count {
            let range = (box * perBox)..<((box + 1) * perBox)
            let report = Parity.compare(name: "box \(box)", actual: Array(values[range]), shape: [perBox],
                                        expected: Array(expected[range]), expectedShape: [perBox],
                                        tolerance: samplingTolerance)
            // Pooled from another level, a box's features are unrelated values; the rest agree.
            XCTAssertEqual(report.passes, !moved.contains(box), "box \(box): \(report)")
        }
        // detectron2's pooler with legacy arithmetic fails on the whole batch.
        let legacy = try MultiLevelRoIAlign(outputSize: 7, samplingRatio: 0, aligned: false,
                                            assignment: LevelAssignment(rule: .detectron2))
        let report = try compare("legacy vs pooled.detectron2", legacy.apply(maps, boxes: rois, pool: BufferPool()).pooled,
                                 t["pooled.detectron2"], tolerance: samplingTolerance)
        XCTAssertFalse(report.passes)
    }

    func testTorchvisionInferredScales() {
        // MultiScaleRoIAlign infers P2…P5 of a 256-high padded batch as exactly 1/4 … 1/32.
        for level in 2...5 {
            XCTAssertEqual(MultiLevelRoIAlign.inferredScale(featureSize: 256 >> level, imageSize: 256),
                           MultiLevelRoIAlign.scale(level: level))
        }
        // A 25-row P5 of an 800-row image: 0.03125 exactly despite the rounding of the sizes.
        XCTAssertEqual(MultiLevelRoIAlign.inferredScale(featureSize: 25, imageSize: 800), 1 / 32)
        XCTAssertEqual(MultiLevelRoIAlign.inferredScale(featureSize: 13, imageSize: 800), 1 / 64)
    }

    // MARK: ConvTranspose2d and bilinear upsampling

    func testConvTransposeMatchesPyTorch() throws {
        let t = try tensors("conv_transpose"), cases = try XCTUnwrap(meta()["conv_transpose"] as? [[String: Any]])
        for c in cases {
            let name = try XCTUnwrap(c["name"] as? String)
            let conv = try ConvTranspose2d(inChannels: try XCTUnwrap(c["in"] as? Int), outChannels: try XCTUnwrap(c["out"] as? Int),
                                           kernel: try XCTUnwrap(c["kernel"] as? Int), stride: try XCTUnwrap(c["stride"] as? Int),
                                           padding: try XCTUnwrap(c["padding"] as? Int),
                                           weights: try XCTUnwrap(t["\(name).weight"]).floats(), bias: t["\(name).bias"]?.floats())
            let out = try conv.apply(try map(t["\(name).input"]), pool: BufferPool(), relu: try XCTUnwrap(c["relu"] as? Bool))
            let report = try compare("conv_transpose.\(name)", out, t["\(name).output"], tolerance: productTolerance)
            XCTAssertTrue(report.passes, report.description)
        }
    }

    func testDetectronKeypointUpsamplerIsItsFilterAndDiffersFromInterpolateOnlyAtTheBorder() throws {
        let t = try tensors("conv_transpose")
        let fixed = try ConvTranspose2d.detectronBilinearUpsampler(channels: 3)
        // The filter values are k/16 products of quarters: exact in float32, so exactly equal.
        XCTAssertEqual(fixed.weights, try XCTUnwrap(t["detectron_kps_score.weight"]).floats())
        let x = try map(t["detectron_kps_score.input"])
        let deconv = try fixed.apply(x, pool: BufferPool())
        XCTAssertTrue(try compare("detectron kps_score", deconv, t["detectron_kps_score.output"],
                                  tolerance: productTolerance).passes)
        let interpolated = try BilinearUpsample(scaleFactor: 2).apply(x, pool: BufferPool())
        XCTAssertTrue(try compare("interpolate x2", interpolated, t["detectron_kps_score.interpolate"],
                                  tolerance: samplingTolerance).passes)
        // Interior pixels agree (both are the same bilinear weights there); the outermost rows and
        // columns do not (zero padding vs edge clamping), so the conventions must not be mixed.
        let (h, w) = (deconv.height, deconv.width), a = deconv.values(), b = interpolated.values()
        var interior: Float = 0, border: Float = 0
        for plane in 0..<(deconv.batch * deconv.channels) {
            for y in 0..<h {
                for xx in 0..<w {
                    let i = (plane * h + y) * w + xx, error = abs(a[i] - b[i])
                    if y == 0 || xx == 0 || y == h - 1 || xx == w - 1 { border = max(border, error) } else { interior = max(interior, error) }
                }
            }
        }
        print("headops: Detectron deconv vs interpolate: interior max \(interior), border max \(border)")
        XCTAssertLessThan(interior, 1e-5)
        XCTAssertGreaterThan(border, 0.1)
    }

    func testHEADSOneDimensionalExample() throws {
        // shared/HEADS.md §4: [1, 2, 4, 8] → deconv [0.75, 1.25, …, 7, 6], interpolate [1, 1.25, …, 7, 8].
        let line = FeatureMap(values: [1, 2, 4, 8, 1, 2, 4, 8], shape: [1, 1, 2, 4])
        let deconv = try ConvTranspose2d.detectronBilinearUpsampler(channels: 1).apply(line, pool: BufferPool())
        XCTAssertEqual(Array(deconv.values()[8..<16]), [0.75, 1.25, 1.75, 2.5, 3.5, 5.0, 7.0, 6.0])
        let up = try BilinearUpsample(scaleFactor: 2).apply(FeatureMap(values: [1, 2, 4, 8], shape: [1, 1, 1, 4]),
                                                            pool: BufferPool())
        XCTAssertEqual(Array(up.values()[0..<8]), [1.0, 1.25, 1.75, 2.5, 3.5, 5.0, 7.0, 8.0])
    }

    func testBilinearMatchesInterpolate() throws {
        let t = try tensors("bilinear"), cases = try XCTUnwrap(meta()["bilinear"] as? [[String: Any]])
        for c in cases {
            let name = try XCTUnwrap(c["name"] as? String)
            let op: BilinearUpsample
            if let factor = c["scale_factor"] as? Double {
                op = try BilinearUpsample(scaleFactor: factor)
            } else {
                let size = try XCTUnwrap(c["size"] as? [Int])
                op = try BilinearUpsample(outputHeight: size[0], outputWidth: size[1])
            }
            let report = try compare("bilinear.\(name)", op.apply(try map(t["\(name).input"]), pool: BufferPool()),
                                     t["\(name).output"], tolerance: samplingTolerance)
            XCTAssertTrue(report.passes, report.description)
        }
    }
}
