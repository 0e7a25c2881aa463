import XCTest
@testable import WeightPortReference

/// The head ops without fixtures: typed errors on bad input, the parallel split, ConvTranspose2d
/// against its direct definition.
final class HeadOpsTests: XCTestCase {
    private func expect(_ expected: HeadOpError, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws(HeadOpError) -> Void) {
        do {
            try body()
            XCTFail("expected \(expected)", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
        }
    }

    private func isInvalidBox(_ index: Int, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws(HeadOpError) -> Void) {
        do {
            try body()
            XCTFail("expected an invalid box \(index)", file: file, line: line)
        } catch {
            guard case .invalidBox(let found, _) = error else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(found, index, file: file, line: line)
            XCTAssertEqual(error.location, "box \(index)", file: file, line: line)
        }
    }

    private let map = FeatureMap(values: NaiveOps.random(2 * 3 * 8 * 6, seed: 1), shape: [2, 3, 8, 6])

    func testRoIAlignRejectsBadBoxesAndSettings() throws {
        let align = try RoIAlign(outputSize: 2, spatialScale: 0.5, samplingRatio: 0, aligned: true)
        let good = RoIBox(x1: 0, y1: 0, x2: 4, y2: 4)
        isInvalidBox(1) { () throws(HeadOpError) in _ = try align.apply(map, boxes: [good, RoIBox(x1: 5, y1: 0, x2: 4, y2: 4)], pool: BufferPool()) }
        isInvalidBox(0) { () throws(HeadOpError) in _ = try align.apply(map, boxes: [RoIBox(x1: .nan, y1: 0, x2: 4, y2: 4)], pool: BufferPool()) }
        isInvalidBox(0) { () throws(HeadOpError) in _ = try align.apply(map, boxes: [RoIBox(x1: 0, y1: 0, x2: .infinity, y2: 4)], pool: BufferPool()) }
        isInvalidBox(1) { () throws(HeadOpError) in _ = try align.apply(map, boxes: [good, RoIBox(batchIndex: 2, x1: 0, y1: 0, x2: 4, y2: 4)], pool: BufferPool()) }
        // Adaptive sampling of a box 1e12 pixels wide would need ~1e23 samples: refused, not allocated.
        isInvalidBox(0) { () throws(HeadOpError) in _ = try align.apply(map, boxes: [RoIBox(x1: -1e12, y1: -1e12, x2: 1e12, y2: 1e12)], pool: BufferPool()) }
        expect(.invalidSetting("RoIAlign output size 0×7 must be positive")) { () throws(HeadOpError) in
            _ = try RoIAlign(outputHeight: 0, outputWidth: 7, spatialScale: 1, samplingRatio: 2, aligned: false)
        }
        XCTAssertThrowsError(try RoIAlign(outputSize: 7, spatialScale: 0, samplingRatio: 2, aligned: false))
        XCTAssertThrowsError(try RoIAlign(outputSize: 7, spatialScale: .nan, samplingRatio: 2, aligned: false))
        let empty = try align.apply(map, boxes: [], pool: BufferPool())
        XCTAssertEqual(empty.shape, [0, 3, 2, 2], "no boxes pool to an empty batch, as torchvision returns")
    }

    func testBoxRowsParseAndRejectFractionalBatchIndices() throws {
        let boxes = try RoIBox.boxes(rows: [1, 0, 1, 2, 3, 0, 4, 5, 6, 7], columns: 5)
        XCTAssertEqual(boxes, [RoIBox(batchIndex: 1, x1: 0, y1: 1, x2: 2, y2: 3), RoIBox(batchIndex: 0, x1: 4, y1: 5, x2: 6, y2: 7)])
        XCTAssertEqual(try RoIBox.boxes(rows: [0, 1, 2, 3], columns: 4), [RoIBox(x1: 0, y1: 1, x2: 2, y2: 3)])
        isInvalidBox(1) { () throws(HeadOpError) in _ = try RoIBox.boxes(rows: [0, 0, 0, 1, 1, 0.5, 0, 0, 1, 1], columns: 5) }
        isInvalidBox(0) { () throws(HeadOpError) in _ = try RoIBox.boxes(rows: [-1, 0, 0, 1, 1], columns: 5) }
        XCTAssertThrowsError(try RoIBox.boxes(rows: [0, 0, 1], columns: 4))
        XCTAssertThrowsError(try RoIBox.boxes(rows: [0, 0, 1], columns: 3))
    }

    func testRoIAlignSplitsChannelsOfFewBoxesWithTheSameResult() throws {
        // One box splits its channels over the cores; many boxes split by box. Same arithmetic
        // per output, so the results are bit-identical.
        let x = FeatureMap(values: NaiveOps.random(1 * 40 * 12 * 10, seed: 2), shape: [1, 40, 12, 10])
        let boxes = (0..<9).map { RoIBox(x1: Float($0), y1: 1.5, x2: Float($0) + 13.7, y2: 20.2) }
        for aligned in [false, true] {
            let align = try RoIAlign(outputSize: 7, spatialScale: 0.5, samplingRatio: 0, aligned: aligned)
            let together = try align.apply(x, boxes: boxes, pool: BufferPool()).values()
            let perBox = 40 * 49
            for (index, box) in boxes.enumerated() {
                let alone = try align.apply(x, boxes: [box], pool: BufferPool()).values()
                XCTAssertEqual(alone, Array(together[(index * perBox)..<((index + 1) * perBox)]), "box \(index)")
            }
        }
    }

    func testLevelAssignmentSettingsAndExtremes() throws {
        XCTAssertThrowsError(try LevelAssignment(rule: .torchvision, minLevel: 5, maxLevel: 2))
        XCTAssertThrowsError(try LevelAssignment(rule: .detectron, canonicalScale: 0))
        let mmdet = try LevelAssignment(rule: .mmdet)
        XCTAssertEqual(mmdet.canonicalScale, 56, "mmdet's finest_scale")
        for rule in LevelAssignment.Rule.allCases {
            let a = try LevelAssignment(rule: rule)
            XCTAssertEqual(a.level(of: RoIBox(x1: 3, y1: 3, x2: 3, y2: 3)), 2, "\(rule): zero size → finest")
            XCTAssertEqual(a.level(of: RoIBox(x1: 0, y1: 0, x2: 3e38, y2: 3e38)), 5, "\(rule): overflowing area → coarsest")
            XCTAssertEqual(a.level(of: RoIBox(x1: 0, y1: 0, x2: 224, y2: 224)), 4, "\(rule): the canonical box")
        }
        // A pyramid P3–P6 (RetinaNet-like) clamps to its own range.
        let p3p6 = try LevelAssignment(rule: .detectron2, minLevel: 3, maxLevel: 6)
        XCTAssertEqual(p3p6.level(of: RoIBox(x1: 0, y1: 0, x2: 10, y2: 10)), 3)
        XCTAssertEqual(p3p6.level(of: RoIBox(x1: 0, y1: 0, x2: 900, y2: 900)), 6)
    }

    func testPoolerRejectsInconsistentMapsAndNamesTheCallersBox() throws {
        let assignment = try LevelAssignment(rule: .torchvision)
        let pooler = try MultiLevelRoIAlign(outputSize: 2, samplingRatio: 2, aligned: false, assignment: assignment)
        let maps = (2...5).map { FeatureMap(values: NaiveOps.random(2 * 3 * (64 >> $0) * (64 >> $0), seed: UInt64($0)),
                                            shape: [2, 3, 64 >> $0, 64 >> $0]) }
        XCTAssertThrowsError(try pooler.apply(Array(maps.prefix(3)), boxes: [], pool: BufferPool()))
        var wrong = maps
        wrong[2] = FeatureMap(values: NaiveOps.random(4 * 4 * 4, seed: 9), shape: [1, 4, 4, 4])
        XCTAssertThrowsError(try pooler.apply(wrong, boxes: [], pool: BufferPool()))
        let boxes = [RoIBox(x1: 0, y1: 0, x2: 10, y2: 10), RoIBox(x1: 0, y1: 0, x2: 300, y2: 300),
                     RoIBox(batchIndex: 3, x1: 0, y1: 0, x2: 300, y2: 300)]
        isInvalidBox(2) { () throws(HeadOpError) in _ = try pooler.apply(maps, boxes: boxes, pool: BufferPool()) }
        let (pooled, levels) = try pooler.apply(maps, boxes: Array(boxes.prefix(2)), pool: BufferPool())
        XCTAssertEqual(levels, [2, 4])
        XCTAssertEqual(pooled.shape, [2, 3, 2, 2])
        // Row 1 is box 1 pooled from P4 alone.
        let direct = try RoIAlign(outputSize: 2, spatialScale: 1 / 16, samplingRatio: 2, aligned: false)
            .apply(maps[2], boxes: [boxes[1]], pool: BufferPool())
        XCTAssertEqual(Array(pooled.values()[12..<24]), direct.values())
    }

    func testSingleLevelPoolerIsPlainRoIAlign() throws {
        // C4 (res4, stride 16): one level, no rule applied, every box from that map.
        let res4 = FeatureMap(values: NaiveOps.random(2 * 3 * 5 * 4, seed: 30), shape: [2, 3, 5, 4])
        let boxes = [RoIBox(batchIndex: 1, x1: 3, y1: 2, x2: 900, y2: 700), RoIBox(x1: 10, y1: 10, x2: 12, y2: 11)]
        let pooler = try MultiLevelRoIAlign(outputSize: 14, samplingRatio: 0, aligned: true,
                                            assignment: LevelAssignment(rule: .detectron2, minLevel: 4, maxLevel: 4))
        let (pooled, levels) = try pooler.apply([res4], boxes: boxes, pool: BufferPool())
        XCTAssertEqual(levels, [4, 4])
        let direct = try RoIAlign(outputSize: 14, spatialScale: 1 / 16, samplingRatio: 0, aligned: true)
        XCTAssertEqual(pooled.values(), try direct.apply(res4, boxes: boxes, pool: BufferPool()).values())
    }

    func testConvTransposeMatchesDirectDefinition() throws {
        // out[o, iy·s − p + ky, ix·s − p + kx] += x[i, iy, ix] · w[i, o, ky, kx], summed in Double.
        for (shape, out, k, s, p) in [([2, 3, 5, 4], 4, 3, 2, 1), ([1, 2, 3, 3], 3, 5, 3, 2), ([1, 4, 6, 5], 2, 1, 1, 0)] {
            let x = NaiveOps.random(shape.reduce(1, *), seed: 40), w = NaiveOps.random(shape[1] * out * k * k, seed: 41)
            let bias = NaiveOps.random(out, seed: 42)
            let conv = try ConvTranspose2d(inChannels: shape[1], outChannels: out, kernel: k, stride: s, padding: p,
                                           weights: w, bias: bias)
            let result = try conv.apply(FeatureMap(values: x, shape: shape), pool: BufferPool(), relu: true)
            let (oh, ow) = (conv.outputSize(shape[2]), conv.outputSize(shape[3]))
            var expected = [Double](repeating: 0, count: shape[0] * out * oh * ow)
            for b in 0..<shape[0] { for o in 0..<out { for y in 0..<oh { for xx in 0..<ow {
                expected[((b * out + o) * oh + y) * ow + xx] = Double(bias[o])
            } } } }
            for b in 0..<shape[0] { for i in 0..<shape[1] { for iy in 0..<shape[2] { for ix in 0..<shape[3] {
                for o in 0..<out { for ky in 0..<k { for kx in 0..<k {
                    let oy = iy * s - p + ky, ox = ix * s - p + kx
                    guard oy >= 0, oy < oh, ox >= 0, ox < ow else { continue }
                    expected[((b * out + o) * oh + oy) * ow + ox] += Double(x[((b * shape[1] + i) * shape[2] + iy) * shape[3] + ix])
                        * Double(w[((i * out + o) * k + ky) * k + kx])
                } } }
            } } } }
            XCTAssertEqual(result.shape, [shape[0], out, oh, ow])
            let report = Parity.compare(name: "deconv \(shape) k\(k) s\(s) p\(p)", actual: result.values(), shape: [result.count],
                                        expected: expected.map { Float(max($0, 0)) }, expectedShape: [expected.count],
                                        tolerance: 1e-5)  // float32 sums of ≤ 100 products vs Double: ~1e-7 relative
            XCTAssertTrue(report.passes, report.description)
        }
    }

    func testConvTransposeAndBilinearRejectBadShapes() throws {
        XCTAssertThrowsError(try ConvTranspose2d(inChannels: 2, outChannels: 2, kernel: 2, weights: [1, 2, 3]))
        XCTAssertThrowsError(try ConvTranspose2d(inChannels: 1, outChannels: 2, kernel: 1, weights: [1, 2], bias: [0]))
        XCTAssertThrowsError(try ConvTranspose2d(inChannels: 1, outChannels: 1, kernel: 1, stride: 0, weights: [1]))
        XCTAssertThrowsError(try ConvTranspose2d.detectronBilinearUpsampler(channels: 2, upScale: 3), "Detectron asserts an even scale")
        let conv = try ConvTranspose2d(inChannels: 1, outChannels: 1, kernel: 1, padding: 1, weights: [1])
        XCTAssertThrowsError(try conv.apply(FeatureMap(values: [1, 2], shape: [1, 1, 1, 2]), pool: BufferPool()),
                             "a 1×2 input with padding 1 has no output")
        XCTAssertThrowsError(try conv.apply(map, pool: BufferPool()), "3 channels into a 1-channel deconv")
        XCTAssertThrowsError(try BilinearUpsample(scaleFactor: 0))
        XCTAssertThrowsError(try BilinearUpsample(scaleFactor: .infinity))
        XCTAssertThrowsError(try BilinearUpsample(outputHeight: 0, outputWidth: 3))
        XCTAssertThrowsError(try BilinearUpsample(scaleFactor: 0.1).apply(map, pool: BufferPool()), "8×6 × 0.1 is empty")
        XCTAssertEqual(try BilinearUpsample(scaleFactor: 2).outputSize(height: 28, width: 28).height, 56)
    }
}
