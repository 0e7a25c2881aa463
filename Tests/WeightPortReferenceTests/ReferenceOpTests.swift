import XCTest
@testable import WeightPortReference

/// Each optimised op against `NaiveOps` on random data.
final class ReferenceOpTests: XCTestCase {
    override func setUpWithError() throws { try ReferenceBLAS.load() }

    /// sgemm and the naive Double loop sum up to a few hundred float products in different orders;
    /// float32 rounding then differs by ~1e-7 of the terms' magnitude per term, so 1e-5 of the
    /// output's largest magnitude is generous for honest code and far below any indexing mistake.
    let tolerance: Float = 1e-5

    private func assertClose(_ actual: [Float], _ expected: [Float], _ message: String = "",
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        let report = Parity.compare(name: message, actual: actual, shape: [actual.count], expected: expected,
                                    expectedShape: [expected.count], tolerance: tolerance)
        XCTAssertTrue(report.passes, report.description, file: file, line: line)
    }

    private struct ConvCase {
        var shape: [Int], out: Int, kernel: Int, stride = 1, padding = 0, dilation = 1, groups = 1
        var bias = false, scratchLimit = 1 << 22
    }

    private func checkConvolution(_ c: ConvCase, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let x = NaiveOps.random(c.shape.reduce(1, *), seed: seed)
        let weights = NaiveOps.random(c.out * c.shape[1] / c.groups * c.kernel * c.kernel, seed: seed + 1)
        let bias = c.bias ? NaiveOps.random(c.out, seed: seed + 2) : nil
        let conv = Convolution(inChannels: c.shape[1], outChannels: c.out, kernel: c.kernel, stride: c.stride,
                               padding: c.padding, dilation: c.dilation, groups: c.groups, weights: weights, bias: bias,
                               scratchLimit: c.scratchLimit)
        let result = conv.apply(FeatureMap(values: x, shape: c.shape), pool: BufferPool())
        let (expected, shape) = NaiveOps.conv(x, c.shape, weight: weights, bias: bias, out: c.out, kernel: c.kernel,
                                              stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        XCTAssertEqual(result.shape, shape, "\(c)", file: file, line: line)
        assertClose(result.values(), expected, "\(c)", file: file, line: line)
    }

    func testConvolutionStridePaddingDilationGroups() {
        let cases = [
            ConvCase(shape: [1, 4, 9, 7], out: 6, kernel: 3, padding: 1),
            ConvCase(shape: [1, 4, 9, 7], out: 6, kernel: 3, stride: 2, padding: 1, bias: true),
            ConvCase(shape: [2, 4, 10, 11], out: 8, kernel: 3, padding: 2, dilation: 2, groups: 2),
            ConvCase(shape: [1, 8, 9, 9], out: 8, kernel: 3, stride: 2, padding: 1, groups: 4),
            ConvCase(shape: [1, 3, 17, 13], out: 5, kernel: 7, stride: 2, padding: 3, bias: true),
            ConvCase(shape: [1, 3, 8, 6], out: 4, kernel: 3, stride: 1, padding: 0),
            ConvCase(shape: [1, 2, 5, 5], out: 3, kernel: 3, stride: 3, padding: 4, dilation: 3),
        ]
        for (index, c) in cases.enumerated() { checkConvolution(c, seed: UInt64(10 * index)) }
    }

    func testPointwiseAndStridedOneByOne() {
        checkConvolution(ConvCase(shape: [2, 6, 5, 7], out: 4, kernel: 1, bias: true), seed: 100)
        checkConvolution(ConvCase(shape: [1, 6, 5, 7], out: 4, kernel: 1, groups: 2), seed: 110)
        checkConvolution(ConvCase(shape: [1, 6, 9, 7], out: 4, kernel: 1, stride: 2), seed: 120)
    }

    func testProductsSplitOverCores() {
        // Wide outputs split the sgemm by columns (at a non-multiple of 16), narrow ones with many
        // channels by rows; both must give the unsplit result.
        checkConvolution(ConvCase(shape: [1, 4, 20, 21], out: 6, kernel: 3, padding: 1, bias: true), seed: 150)
        checkConvolution(ConvCase(shape: [1, 4, 19, 27], out: 6, kernel: 1), seed: 160)
        checkConvolution(ConvCase(shape: [1, 8, 5, 5], out: 70, kernel: 1), seed: 170)
        checkConvolution(ConvCase(shape: [1, 8, 5, 5], out: 70, kernel: 3, padding: 1, groups: 2), seed: 180)
    }

    func testBandedIm2colMatchesUnbanded() {
        // A tiny scratch limit forces one band per output row (and bands of several rows).
        checkConvolution(ConvCase(shape: [1, 3, 12, 10], out: 4, kernel: 3, padding: 1, scratchLimit: 1), seed: 200)
        checkConvolution(ConvCase(shape: [1, 3, 12, 10], out: 4, kernel: 3, stride: 2, padding: 1, groups: 1,
                                  scratchLimit: 27 * 5 * 3), seed: 210)
    }

    func testConvolutionResidualAndReLU() {
        let shape = [1, 4, 6, 5]
        let x = NaiveOps.random(120, seed: 300), weights = NaiveOps.random(4 * 4 * 9, seed: 301)
        let residual = NaiveOps.random(120, seed: 302), bias = NaiveOps.random(4, seed: 303)
        let conv = Convolution(inChannels: 4, outChannels: 4, kernel: 3, padding: 1, weights: weights, bias: bias)
        let residualMap = FeatureMap(values: residual, shape: shape)
        let result = conv.apply(FeatureMap(values: x, shape: shape), pool: BufferPool(), residual: residualMap, relu: true)
        let (plain, _) = NaiveOps.conv(x, shape, weight: weights, bias: bias, out: 4, kernel: 3, stride: 1, padding: 1,
                                       dilation: 1, groups: 1)
        assertClose(result.values(), zip(plain, residual).map { max($0 + $1, 0) })
        XCTAssertEqual(residualMap.values(), residual, "a residual not handed over must stay untouched")
    }

    /// Bias, residual and ReLU are applied by each part of a split product to its own block
    /// (`BlockEpilogue`), and the 7×7 stem's bands alternate between the cores: every variant
    /// against the naive loop, at the same 1e-5.
    func testEpilogueOnSplitProductsAndCoreBands() {
        let cases = [
            ConvCase(shape: [1, 8, 19, 27], out: 6, kernel: 1, bias: true),  // split by columns
            ConvCase(shape: [1, 8, 5, 5], out: 70, kernel: 1, bias: true),  // split by rows
            ConvCase(shape: [2, 8, 7, 9], out: 40, kernel: 3, stride: 2, padding: 1, bias: true),  // image per core
            // Stem-like: k = 147 and 60 columns a row give bands of 14 rows (840 columns), 5 bands.
            ConvCase(shape: [1, 3, 120, 120], out: 16, kernel: 7, stride: 2, padding: 3, bias: true),
        ]
        for (index, c) in cases.enumerated() {
            for (residual, reuse, relu) in [(false, false, true), (true, false, true), (true, true, false)] {
                let seed = UInt64(700 + 10 * index)
                let x = NaiveOps.random(c.shape.reduce(1, *), seed: seed)
                let weights = NaiveOps.random(c.out * c.shape[1] * c.kernel * c.kernel, seed: seed + 1)
                let bias = NaiveOps.random(c.out, seed: seed + 2)
                let conv = Convolution(inChannels: c.shape[1], outChannels: c.out, kernel: c.kernel, stride: c.stride,
                                       padding: c.padding, weights: weights, bias: bias)
                var (expected, shape) = NaiveOps.conv(x, c.shape, weight: weights, bias: bias, out: c.out,
                                                      kernel: c.kernel, stride: c.stride, padding: c.padding,
                                                      dilation: 1, groups: 1)
                let added = NaiveOps.random(expected.count, seed: seed + 3)
                if residual { expected = zip(expected, added).map(+) }
                if relu { expected = expected.map { max($0, 0) } }
                let result = conv.apply(FeatureMap(values: x, shape: c.shape), pool: BufferPool(),
                                        residual: residual ? FeatureMap(values: added, shape: shape) : nil,
                                        reuseResidual: reuse, relu: relu)
                XCTAssertEqual(result.shape, shape)
                assertClose(result.values(), expected, "\(c) residual \(residual) reuse \(reuse) relu \(relu)")
            }
        }
    }

    func testMaxPoolBothRoundings() {
        for (size, seed) in [([1, 2, 35, 27], UInt64(400)), ([2, 3, 8, 9], 410), ([1, 1, 7, 6], 420)] {
            let x = NaiveOps.random(size.reduce(1, *), seed: seed), map = FeatureMap(values: x, shape: size)
            for (padding, ceil) in [(1, false), (0, true), (1, true), (0, false)] {
                let pooled = MaxPool(kernel: 3, stride: 2, padding: padding, ceilMode: ceil).apply(map, pool: BufferPool())
                let (expected, shape) = NaiveOps.pool(x, size, kernel: 3, stride: 2, padding: padding, ceil: ceil, average: false)
                XCTAssertEqual(pooled.shape, shape, "\(size) pad \(padding) ceil \(ceil)")
                XCTAssertEqual(pooled.values(), expected, "max-pool picks existing values, so exactly equal")
            }
        }
        let subsample = MaxPool(kernel: 1, stride: 2).apply(FeatureMap(values: NaiveOps.random(25, seed: 430),
                                                                       shape: [1, 1, 5, 5]), pool: BufferPool())
        XCTAssertEqual(subsample.shape, [1, 1, 3, 3], "FPN P6 is a kernel-1 stride-2 subsampling")
    }

    func testAvgPoolCeilExcludesOutside() {
        let size = [1, 3, 9, 7], x = NaiveOps.random(189, seed: 500)
        let pooled = AvgPool(kernel: 2, stride: 2).apply(FeatureMap(values: x, shape: size), pool: BufferPool())
        let (expected, shape) = NaiveOps.pool(x, size, kernel: 2, stride: 2, padding: 0, ceil: true, average: true)
        XCTAssertEqual(pooled.shape, shape)
        assertClose(pooled.values(), expected)
    }

    func testNearestUpsampleSizes() {
        for (input, output) in [((3, 2), (5, 4)), ((2, 3), (4, 6)), ((5, 4), (9, 7)), ((4, 4), (4, 4)), ((1, 1), (3, 2))] {
            let shape = [1, 2, input.0, input.1], x = NaiveOps.random(shape.reduce(1, *), seed: 600)
            let up = NearestUpsample.apply(FeatureMap(values: x, shape: shape), height: output.0, width: output.1,
                                           pool: BufferPool())
            XCTAssertEqual(up.values(), NaiveOps.upsample(x, shape, height: output.0, width: output.1), "\(input)→\(output)")
        }
    }

    func testGroupNormWithResidualAndReLU() {
        let shape = [2, 8, 5, 3], x = NaiveOps.random(240, seed: 700), residual = NaiveOps.random(240, seed: 701)
        let weight = NaiveOps.random(8, seed: 702), bias = NaiveOps.random(8, seed: 703)
        let map = FeatureMap(values: x, shape: shape)
        GroupNormalization(groups: 4, eps: 1e-5, weight: weight, bias: bias)
            .apply(map, residual: FeatureMap(values: residual, shape: shape), relu: true)
        let normalised = NaiveOps.groupNorm(x, shape, groups: 4, eps: 1e-5, weight: weight, bias: bias)
        assertClose(map.values(), zip(normalised, residual).map { max($0 + $1, 0) })
    }

    func testBatchNormAndAffineFoldedIntoConvolution() {
        let shape = [1, 3, 6, 6], x = NaiveOps.random(108, seed: 800), weights = NaiveOps.random(4 * 27, seed: 801)
        let gamma = NaiveOps.random(4, seed: 802), beta = NaiveOps.random(4, seed: 803), convBias = NaiveOps.random(4, seed: 806)
        let mean = NaiveOps.random(4, seed: 804), variance = NaiveOps.random(4, seed: 805).map { $0 + 1.5 }
        let (conv, _) = NaiveOps.conv(x, shape, weight: weights, bias: convBias, out: 4, kernel: 3, stride: 1, padding: 1,
                                      dilation: 1, groups: 1)
        let expectedBN = NaiveOps.batchNorm(conv, [1, 4, 6, 6], weight: gamma, bias: beta, mean: mean, variance: variance, eps: 1e-3)
        let expectedAffine = NaiveOps.batchNorm(conv, [1, 4, 6, 6], weight: gamma, bias: beta, mean: [0, 0, 0, 0],
                                                variance: [1, 1, 1, 1], eps: 0)
        for (statistics, expected) in [(true, expectedBN), (false, expectedAffine)] {
            let folded = FoldedNorm(weight: gamma, bias: beta, runningMean: statistics ? mean : nil,
                                    runningVar: statistics ? variance : nil, eps: 1e-3, convBias: convBias)
            var scaled = weights
            folded.scaleRows(of: &scaled)
            let fused = Convolution(inChannels: 3, outChannels: 4, kernel: 3, padding: 1, weights: scaled, bias: folded.shift)
            assertClose(fused.apply(FeatureMap(values: x, shape: shape), pool: BufferPool()).values(), expected,
                        statistics ? "batch norm" : "affine")
        }
    }

    func testGlobalPoolAndLinear() {
        let shape = [2, 6, 3, 4], x = NaiveOps.random(144, seed: 900)
        let weight = NaiveOps.random(5 * 6, seed: 901), bias = NaiveOps.random(5, seed: 902)
        let pooled = Linear.globalAveragePool(FeatureMap(values: x, shape: shape))
        let logits = Linear(inFeatures: 6, outFeatures: 5, weight: weight, bias: bias).apply(pooled, batch: 2, pool: BufferPool())
        var expected: [Float] = []
        for b in 0..<2 {
            let means = (0..<6).map { c in x[((b * 6 + c) * 12)..<((b * 6 + c + 1) * 12)].reduce(0, +) / 12 }
            for o in 0..<5 { expected.append(bias[o] + (0..<6).reduce(Float(0)) { $0 + weight[o * 6 + $1] * means[$1] }) }
        }
        XCTAssertEqual(logits.shape, [2, 5, 1, 1])
        assertClose(logits.values(), expected)
    }

    /// Small batches split the outputs over the cores instead of the images (batch 1 through
    /// sgemv): each part against the naive loop, at the same 1e-5, with and without ReLU.
    func testLinearSplitByOutputsAtSmallBatches() {
        let (inputs, outputs) = (70, 301)
        let weight = NaiveOps.random(outputs * inputs, seed: 910), bias = NaiveOps.random(outputs, seed: 911)
        let linear = Linear(inFeatures: inputs, outFeatures: outputs, weight: weight, bias: bias)
        for (batch, relu) in [(1, false), (1, true), (3, true)] {
            let x = NaiveOps.random(batch * inputs, seed: 912 + UInt64(batch))
            let result = linear.apply(FeatureMap(values: x, shape: [batch, inputs, 1, 1]), pool: BufferPool(), relu: relu)
            var expected: [Float] = []
            for b in 0..<batch {
                for o in 0..<outputs {
                    let sum = (0..<inputs).reduce(Double(bias[o])) { $0 + Double(weight[o * inputs + $1] * x[b * inputs + $1]) }
                    expected.append(relu ? max(Float(sum), 0) : Float(sum))
                }
            }
            XCTAssertEqual(result.shape, [batch, outputs, 1, 1])
            assertClose(result.values(), expected, "batch \(batch), relu \(relu)")
        }
    }

    func testBufferPoolRecyclesOnlyReleasedBuffers() {
        let pool = BufferPool()
        var first: FloatBuffer? = pool.take(100)
        let held = pool.take(50)
        XCTAssertFalse(first === held, "a held buffer is never handed out twice")
        let firstID = first.map(ObjectIdentifier.init)
        first = nil
        XCTAssertEqual(ObjectIdentifier(pool.take(80)), firstID, "a released buffer that fits is reused")
    }
}
