import Foundation
import XCTest
import WeightPortCore
import WeightPortFormats
import WeightPortModels
import WeightPortTestSupport
@testable import WeightPortReference

/// GhostNet pieces and the whole network against what timm computed (fixtures/gen_dcnghost.py,
/// fixtures/dcnghost/ghostnet/), and the architecture inference on timm's published shapes.
final class GhostNetTests: XCTestCase {
    override func setUpWithError() throws { try ReferenceBLAS.load() }

    private func read(_ name: String) throws -> StateDict {
        try SafetensorsReader.read(Fixtures.bytes("dcnghost/ghostnet/\(name).safetensors")).tensors
    }

    private var printing: Bool { ProcessInfo.processInfo.environment["WP_PRINT_PARITY"] != nil }

    /// Every stage output, the detection taps and the logits of timm's width-0.25 GhostNet (17
    /// bottlenecks, 4 with squeeze-excite) at Parity's default tolerance: 1e-4 of each feature's
    /// largest magnitude (float32 sums in another order, BN folded into the weights, ~40 layers).
    func testWholeNetworkMatchesTimm() throws {
        let weights = try read("weights"), features = try read("features")
        let model = try ReferenceGhostNet(stateDict: weights)
        XCTAssertEqual(model.spec.width, 0.25)
        XCTAssertEqual(model.spec.headChannels, 64)
        XCTAssertEqual(model.spec.classes, 10)
        let input = try XCTUnwrap(read("input")["input"])
        let computed = try model.forward(input)
        XCTAssertEqual(Set(computed.keys), Set(features.names), "returns exactly the recorded features")
        for name in features.names {
            let expected = try XCTUnwrap(features[name]), actual = try XCTUnwrap(computed[name])
            let report = Parity.compare(name: name, actual: actual.values(), shape: actual.shape,
                                        expected: expected.floats(), expectedShape: expected.shape)
            if printing { print("ghostnet", report) }
            XCTAssertTrue(report.passes, report.description)
            XCTAssertGreaterThan(report.cosineSimilarity, 0.999999, report.description)
        }
        XCTAssertEqual(model.spec.detectionFeatures, ["c2": 2, "c3": 4, "c4": 6, "c5": 9])
    }

    /// Two images at once give each image's own result (squeeze-excite pools per image, the
    /// depthwise and concatenation index per image), bit for bit.
    func testBatchOfTwoEqualsTwoSingleImages() throws {
        let model = try ReferenceGhostNet(stateDict: try read("weights"))
        let input = try XCTUnwrap(read("input")["input"]).floats()
        let other = NaiveOps.random(input.count, seed: 1300)
        let pair = try model.forward(FeatureMap(values: input + other, shape: [2, 3, 72, 56]))
        let first = try XCTUnwrap(model.forward(FeatureMap(values: input, shape: [1, 3, 72, 56]))["c4"]).values()
        let second = try XCTUnwrap(model.forward(FeatureMap(values: other, shape: [1, 3, 72, 56]))["c4"]).values()
        XCTAssertEqual(try XCTUnwrap(pair["c4"]).values(), first + second)
        XCTAssertEqual(try XCTUnwrap(pair["logits"]).shape, [2, 10, 1, 1])
        XCTAssertThrowsError(try model.forward(FeatureMap(values: [Float](repeating: 0, count: 16), shape: [1, 1, 4, 4])))
    }

    /// A GhostModule whose output width (7) is odd: `cat([x1, x2])` has 8 channels and the slice
    /// keeps 7. One 1×1 conv and one 3×3 depthwise conv: 1e-5 of the range.
    func testGhostModuleSlicesOddWidth() throws {
        let tensors = try read("module")
        func floats(_ name: String) throws -> [Float] { try XCTUnwrap(tensors["module." + name], name).floats() }
        func norm(_ path: String) throws -> FoldedNorm {
            FoldedNorm(weight: try floats(path + ".weight"), bias: try floats(path + ".bias"),
                       runningMean: try floats(path + ".running_mean"), runningVar: try floats(path + ".running_var"),
                       eps: 1e-5)
        }
        let module = try GhostModule(inChannels: 6, outChannels: 7, primaryWeights: try floats("primary_conv.0.weight"),
                                     primaryNorm: try norm("primary_conv.1"),
                                     cheapWeights: try floats("cheap_operation.0.weight"),
                                     cheapNorm: try norm("cheap_operation.1"), relu: true)
        let input = try XCTUnwrap(tensors["input"]), expected = try XCTUnwrap(tensors["output"])
        let output = module.apply(FeatureMap(values: input.floats(), shape: input.shape), pool: BufferPool())
        let report = Parity.compare(name: "ghost module", actual: output.values(), shape: output.shape,
                                    expected: expected.floats(), expectedShape: expected.shape, tolerance: 1e-5)
        if printing { print(report) }
        XCTAssertTrue(report.passes, report.description)
    }

    /// The published widths: inference from timm's own names and shapes gives the v1 table at the
    /// right width, and the spec lists exactly timm's parameters in timm's order.
    func testInfersPublishedWidths() throws {
        let all = try XCTUnwrap(Fixtures.json("dcnghost/ghostnet/shapes.json") as? [String: [[Any]]])
        for (name, width) in [("ghostnet_050", 0.5), ("ghostnet_100", 1.0), ("ghostnet_130", 1.3)] {
            let shapes = try XCTUnwrap(all[name]).map { pair -> (String, [Int]) in
                (pair[0] as? String ?? "", pair[1] as? [Int] ?? [])
            }
            let spec = try GhostNetSpec.infer(from: shapes)
            XCTAssertEqual(spec.width, width, name)
            XCTAssertEqual(spec, GhostNetSpec.v1(width: width), name)
            let parameters = shapes.filter { !GhostNetSpec.isBookkeeping($0.0) }
            XCTAssertEqual(spec.parameterShapes.map(\.0), parameters.map(\.0), name)
            XCTAssertEqual(spec.parameterShapes.map(\.1), parameters.map(\.1), name)
        }
    }

    /// `HEADS.md` §7.4's table for ghostnet_100, row by row (in → mid → out, stride, SE width).
    func testV1TableAtWidthOne() {
        let blocks = GhostNetSpec.v1(width: 1).stages.joined().map { [$0.inChannels, $0.midChannels, $0.outChannels, $0.stride, $0.seChannels ?? 0] }
        XCTAssertEqual(blocks, [
            [16, 16, 16, 1, 0], [16, 48, 24, 2, 0], [24, 72, 24, 1, 0], [24, 72, 40, 2, 20], [40, 120, 40, 1, 32],
            [40, 240, 80, 2, 0], [80, 200, 80, 1, 0], [80, 184, 80, 1, 0], [80, 184, 80, 1, 0], [80, 480, 112, 1, 120],
            [112, 672, 112, 1, 168], [112, 672, 160, 2, 168], [160, 960, 160, 1, 0], [160, 960, 160, 1, 240],
            [160, 960, 160, 1, 0], [160, 960, 160, 1, 240],
        ])
        XCTAssertEqual(GhostNetSpec.makeDivisible(16 * 0.5), 8)
        XCTAssertEqual(GhostNetSpec.makeDivisible(18), 20, "int(18 + 2) // 4 * 4")
        XCTAssertEqual(GhostNetSpec.makeDivisible(1.3 * 16), 20, "20.8 → int(22.8) // 4 * 4 = 20 ≥ 0.9 · 20.8")
        XCTAssertEqual(GhostNetSpec.makeDivisible(5), 8, "int(7) // 4 * 4 = 4 < 0.9 · 5, so + 4")
    }

    /// Strictness: an unknown tensor or a missing one is an error; thop's bookkeeping is not.
    func testUnknownOrMissingTensorsAreRefused() throws {
        let weights = try read("weights")
        var extra = Array(weights.map { ($0.name, $0.tensor) })
        extra.append(("blocks.0.0.ghost1.short_conv.0.weight", Tensor(float32: [0], shape: [1])))
        XCTAssertThrowsError(try ReferenceGhostNet(stateDict: StateDict(extra))) { error in
            XCTAssertTrue("\(error)".contains("short_conv"), "\(error)")
        }
        let missing = weights.filter { $0.name != "blocks.3.0.se.conv_expand.bias" }.map { ($0.name, $0.tensor) }
        XCTAssertThrowsError(try ReferenceGhostNet(stateDict: StateDict(missing)))
        var bookkeeping = Array(weights.map { ($0.name, $0.tensor) })
        bookkeeping.append(("total_ops", Tensor(float32: [1], shape: [1])))
        bookkeeping.append(("blocks.0.0.total_params", Tensor(float32: [1], shape: [1])))
        XCTAssertNoThrow(try ReferenceGhostNet(stateDict: StateDict(bookkeeping)))
    }

    /// A wrong BatchNorm eps (1e-3 instead of PyTorch's 1e-5) must fail the logits: the check can
    /// catch a semantic slip, not only a structural one.
    func testWrongEpsIsCaught() throws {
        let weights = try read("weights"), features = try read("features")
        let model = try ReferenceGhostNet(stateDict: weights, eps: 1e-3)
        let computed = try model.forward(try XCTUnwrap(read("input")["input"]))
        let expected = try XCTUnwrap(features["c5"]), actual = try XCTUnwrap(computed["c5"])
        let report = Parity.compare(name: "c5", actual: actual.values(), shape: actual.shape, expected: expected.floats(),
                                    expectedShape: expected.shape)
        XCTAssertFalse(report.passes, report.description)
    }

    /// `DepthwiseConvolution` equals `Convolution` with `groups = channels` (3×3 and 5×5, stride 1
    /// and 2, multiplier 1 and 2), to 1e-5 of the range (9 or 25 products summed in another order).
    func testDepthwiseMatchesGroupedConvolution() {
        for (shape, multiplier, kernel, stride) in [([1, 6, 9, 7], 1, 3, 1), ([2, 4, 10, 9], 1, 5, 2), ([1, 3, 8, 8], 2, 3, 2),
                                                    ([1, 5, 1, 3], 1, 3, 1)] {
            let channels = shape[1], out = channels * multiplier, padding = (kernel - 1) / 2
            let x = NaiveOps.random(shape.reduce(1, *), seed: 1000), weights = NaiveOps.random(out * kernel * kernel, seed: 1001)
            let bias = NaiveOps.random(out, seed: 1002)
            let depthwise = DepthwiseConvolution(channels: channels, multiplier: multiplier, kernel: kernel, stride: stride,
                                                 padding: padding, weights: weights, bias: bias)!
            let grouped = Convolution(inChannels: channels, outChannels: out, kernel: kernel, stride: stride, padding: padding,
                                      groups: channels, weights: weights, bias: bias)
            let map = FeatureMap(values: x, shape: shape)
            let a = depthwise.apply(map, pool: BufferPool(), relu: true), b = grouped.apply(map, pool: BufferPool(), relu: true)
            let report = Parity.compare(name: "dw \(shape)", actual: a.values(), shape: a.shape, expected: b.values(),
                                        expectedShape: b.shape, tolerance: 1e-5)
            XCTAssertTrue(report.passes, report.description)
        }
        XCTAssertNil(DepthwiseConvolution(channels: 4, kernel: 3, padding: 1, weights: [1]), "wrong weight count")
        let unpadded = DepthwiseConvolution(channels: 1, kernel: 5, padding: 0, weights: [Float](repeating: 1, count: 25))!
        XCTAssertEqual(unpadded.apply(FeatureMap(values: [1, 2, 3, 4], shape: [1, 1, 2, 2]), pool: BufferPool()).shape,
                       [1, 1, 0, 0], "a kernel larger than the padded map gives an empty map (PyTorch raises) instead of trapping")
    }

    /// The strided path (columns split by phase) against the definition written out directly:
    /// every output sums its in-image taps in (ky, kx) order, exactly as the kernel does, so the
    /// values must be bit-identical (tolerance 0) — strides 2 and 3, kernels 3 and 5, padding 0–2,
    /// odd and even widths, a map narrower than the kernel.
    func testStridedDepthwiseEqualsTheDefinitionBitForBit() {
        for (shape, kernel, stride, padding) in [([1, 3, 9, 7], 3, 2, 1), ([1, 2, 11, 10], 5, 2, 2), ([1, 2, 8, 13], 3, 3, 1),
                                                 ([1, 1, 7, 6], 5, 3, 0), ([1, 2, 4, 2], 5, 2, 2), ([2, 3, 6, 9], 3, 2, 0)] {
            let (channels, h, w) = (shape[1], shape[2], shape[3])
            let x = NaiveOps.random(shape.reduce(1, *), seed: 2000), weights = NaiveOps.random(channels * kernel * kernel, seed: 2001)
            let bias = NaiveOps.random(channels, seed: 2002)
            let depthwise = DepthwiseConvolution(channels: channels, kernel: kernel, stride: stride, padding: padding,
                                                 weights: weights, bias: bias)!
            let result = depthwise.apply(FeatureMap(values: x, shape: shape), pool: BufferPool(), relu: false)
            let (outH, outW) = (depthwise.outputSize(h), depthwise.outputSize(w))
            var expected: [Float] = []
            for n in 0..<shape[0] {
                for c in 0..<channels {
                    for oy in 0..<outH {
                        for ox in 0..<outW {
                            var sum: Float = 0
                            for ky in 0..<kernel {
                                for kx in 0..<kernel {
                                    let y = oy * stride - padding + ky, xx = ox * stride - padding + kx
                                    guard y >= 0, y < h, xx >= 0, xx < w else { continue }
                                    sum += weights[(c * kernel + ky) * kernel + kx] * x[((n * channels + c) * h + y) * w + xx]
                                }
                            }
                            expected.append(sum + bias[c])
                        }
                    }
                }
            }
            XCTAssertEqual(result.values().map(\.bitPattern), expected.map(\.bitPattern), "\(shape) k\(kernel) s\(stride) p\(padding)")
        }
    }

    func testHardSigmoid() {
        XCTAssertEqual(SqueezeExcite.hardSigmoid(-3), 0)
        XCTAssertEqual(SqueezeExcite.hardSigmoid(-4), 0)
        XCTAssertEqual(SqueezeExcite.hardSigmoid(0), 0.5)
        XCTAssertEqual(SqueezeExcite.hardSigmoid(3), 1)
        XCTAssertEqual(SqueezeExcite.hardSigmoid(1.5), 0.75)
    }
}
