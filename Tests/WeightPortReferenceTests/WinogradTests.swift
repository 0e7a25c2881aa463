import XCTest
@testable import WeightPortReference

/// `Winograd3x3` (3×3 stride-1 convs with ≥ 16 inputs and ≥ `Convolution.minimumWinogradTiles` tiles) against `NaiveOps.conv`.
final class WinogradTests: XCTestCase {
    override func setUpWithError() throws { try ReferenceBLAS.load() }

    /// The same 1e-5 of the output's largest magnitude as `ReferenceOpTests`: F(2×2, 3×3)'s
    /// transforms add and halve a few terms more per output than im2col's product (Lavin & Gray
    /// report float32 errors of the same order as direct convolution for this tile size), so an
    /// honest transform stays far inside it while a wrong sign or index misses by O(1).
    let tolerance: Float = 1e-5

    private struct Case {
        var shape: [Int], out: Int, padding = 1, scratchLimit = 1 << 22
    }

    private func check(_ c: Case, seed: UInt64, residual: Bool = false, reuse: Bool = false, relu: Bool = false,
                       file: StaticString = #filePath, line: UInt = #line) {
        let x = NaiveOps.random(c.shape.reduce(1, *), seed: seed)
        let weights = NaiveOps.random(c.out * c.shape[1] * 9, seed: seed + 1)
        let bias = NaiveOps.random(c.out, seed: seed + 2)
        let conv = Convolution(inChannels: c.shape[1], outChannels: c.out, kernel: 3, padding: c.padding,
                               weights: weights, bias: bias, scratchLimit: c.scratchLimit)
        XCTAssertNotNil(conv.winograd, file: file, line: line)
        var (expected, shape) = NaiveOps.conv(x, c.shape, weight: weights, bias: bias, out: c.out, kernel: 3, stride: 1,
                                              padding: c.padding, dilation: 1, groups: 1)
        let tiles = Winograd3x3.tiles(shape[2], shape[3])
        XCTAssertGreaterThanOrEqual(c.shape[0] * tiles.rows * tiles.columns, Convolution.minimumWinogradTiles,
                                    "case too small to take the Winograd path", file: file, line: line)
        let added = NaiveOps.random(shape.reduce(1, *), seed: seed + 3)
        let residualMap = residual ? FeatureMap(values: added, shape: shape) : nil
        if residual { expected = zip(expected, added).map(+) }
        if relu { expected = expected.map { max($0, 0) } }
        let result = conv.apply(FeatureMap(values: x, shape: c.shape), pool: BufferPool(), residual: residualMap,
                                reuseResidual: reuse, relu: relu)
        XCTAssertEqual(result.shape, shape, "\(c)", file: file, line: line)
        let report = Parity.compare(name: "\(c)", actual: result.values(), shape: [expected.count], expected: expected,
                                    expectedShape: [expected.count], tolerance: tolerance)
        XCTAssertTrue(report.passes, report.description, file: file, line: line)
    }

    func testEvenOddSizesAndPaddings() {
        check(Case(shape: [1, 16, 16, 16], out: 8), seed: 1)
        check(Case(shape: [1, 17, 15, 19], out: 5), seed: 10)
        check(Case(shape: [1, 16, 20, 21], out: 7, padding: 0), seed: 20)
        check(Case(shape: [1, 16, 17, 18], out: 9, padding: 2), seed: 30)
    }

    func testWiderChannelSums() {
        // 128 inputs: the transforms' rounding adds up over more channels, as in a real tower.
        check(Case(shape: [2, 128, 14, 14], out: 32), seed: 35)
    }

    func testBatchOfSmallMapsAndBands() {
        // Tiles of several images in one band, and a limit forcing one tile row per band.
        check(Case(shape: [9, 16, 7, 7], out: 12), seed: 40)
        check(Case(shape: [3, 20, 14, 14], out: 6, scratchLimit: 1), seed: 50)
        check(Case(shape: [4, 16, 9, 11], out: 10, scratchLimit: 16 * 16 * 6 * 2), seed: 60)
    }

    func testResidualAndReLUInTheOutputTransform() {
        check(Case(shape: [2, 16, 13, 12], out: 16), seed: 70, residual: true, relu: true)
        check(Case(shape: [2, 16, 13, 12], out: 16), seed: 80, residual: true, reuse: true, relu: true)
        check(Case(shape: [1, 16, 16, 17], out: 4), seed: 90, relu: true)
    }

    /// Below `Winograd3x3.cachedBelowTiles` the transformed weights are kept after the first call:
    /// the second and third calls (other inputs, then with residual and ReLU) read the kept copy
    /// and must still match the naive loop at the same 1e-5.
    func testSmallMapsKeepTheTransformedWeights() {
        let shape = [1, 32, 14, 14], out = 24  // 49 tiles: Winograd, and kept
        let weights = NaiveOps.random(out * 32 * 9, seed: 100), bias = NaiveOps.random(out, seed: 101)
        let conv = Convolution(inChannels: 32, outChannels: out, kernel: 3, padding: 1, weights: weights, bias: bias)
        XCTAssertLessThan(49, Winograd3x3.cachedBelowTiles)
        XCTAssertEqual(conv.winograd?.cache.heldFloats, 0, "nothing kept before the first call")
        for (call, seed) in [UInt64(102), 103, 104].enumerated() {
            let x = NaiveOps.random(shape.reduce(1, *), seed: seed)
            var (expected, outShape) = NaiveOps.conv(x, shape, weight: weights, bias: bias, out: out, kernel: 3, stride: 1,
                                                     padding: 1, dilation: 1, groups: 1)
            let withResidual = call == 2
            let added = NaiveOps.random(expected.count, seed: seed + 10)
            if withResidual { expected = zip(expected, added).map { max($0 + $1, 0) } }
            let result = conv.apply(FeatureMap(values: x, shape: shape), pool: BufferPool(),
                                    residual: withResidual ? FeatureMap(values: added, shape: outShape) : nil,
                                    relu: withResidual)
            XCTAssertEqual(result.shape, outShape)
            let report = Parity.compare(name: "call \(call)", actual: result.values(), shape: [expected.count],
                                        expected: expected, expectedShape: [expected.count], tolerance: tolerance)
            XCTAssertTrue(report.passes, report.description)
            XCTAssertEqual(conv.winograd?.cache.heldFloats, 16 * out * 32, "kept after call \(call)")
        }
    }
}
