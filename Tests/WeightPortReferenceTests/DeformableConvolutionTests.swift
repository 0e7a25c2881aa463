import Foundation
import XCTest
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
@testable import WeightPortReference

/// `DeformableConvolution` against a direct Double implementation and against what
/// `torchvision.ops.deform_conv2d` recorded (fixtures/gen_dcnghost.py, fixtures/dcnghost/dcn/).
final class DeformableConvolutionTests: XCTestCase {
    override func setUpWithError() throws { try ReferenceBLAS.load() }

    /// One recorded case: the tensors and cases.json's parameters.
    private struct Case {
        let name: String
        let tensors: StateDict
        let kernel: Int, stride: Int, padding: Int, dilation: Int, groups: Int, deformableGroups: Int, outChannels: Int
        let modulated: Bool

        init(_ name: String) throws {
            self.name = name
            tensors = try SafetensorsReader.read(Fixtures.bytes("dcnghost/dcn/\(name).safetensors")).tensors
            let index = try XCTUnwrap(Fixtures.json("dcnghost/dcn/cases.json") as? [String: [String: Any]])
            let fields = try XCTUnwrap(index[name])
            func int(_ key: String) throws -> Int { try XCTUnwrap(fields[key] as? Int, key) }
            kernel = try int("kernel"); stride = try int("stride"); padding = try int("padding")
            dilation = try int("dilation"); groups = try int("groups"); deformableGroups = try int("deformableGroups")
            outChannels = try int("outChannels")
            modulated = try XCTUnwrap(fields["modulated"] as? Bool)
        }

        func map(_ key: String) throws -> FeatureMap {
            let tensor = try XCTUnwrap(tensors[key], key)
            return FeatureMap(values: tensor.floats(), shape: tensor.shape)
        }

        func conv() throws -> DeformableConvolution {
            let input = try XCTUnwrap(tensors["input"])
            return try DeformableConvolution(inChannels: input.shape[1], outChannels: outChannels, kernel: kernel,
                                             stride: stride, padding: padding, dilation: dilation, groups: groups,
                                             deformableGroups: deformableGroups,
                                             weights: try XCTUnwrap(tensors["weight"]).floats())
        }

        /// The offset conv as an ordinary `Convolution`, with its bias.
        func offsetConv() throws -> Convolution {
            let weight = try XCTUnwrap(tensors["offset_conv.weight"]), input = try XCTUnwrap(tensors["input"])
            return Convolution(inChannels: input.shape[1], outChannels: weight.shape[0], kernel: kernel, stride: stride,
                               padding: padding, dilation: dilation, weights: weight.floats(),
                               bias: try XCTUnwrap(tensors["offset_conv.bias"]).floats())
        }
    }

    static let caseNames = ["v1_g1_s1", "v1_g4_s2", "v2_g1_s1", "v2_g4_s2", "v2_g4_s1_groups2_dilation2",
                            "v1_g2_s2_groups2"]

    /// Float32 sums of at most C/groups·9 = 72 products taken in another order (sgemm blocking vs.
    /// torchvision's one at::addmm per group) differ by a few ulp of the terms; the sampled values
    /// themselves are computed with torchvision's operations in its order. 1e-5 of the output's
    /// largest magnitude is ~50× the error honest code shows here and far below any layout mistake
    /// (swapped dy/dx or a wrong split move outputs by 10–100 % of their range).
    let fixtureTolerance: Float = 1e-5

    private func compare(_ actual: FeatureMap, _ expected: Tensor, _ name: String, tolerance: Float) -> Parity.Report {
        Parity.compare(name: name, actual: actual.values(), shape: actual.shape, expected: expected.floats(),
                       expectedShape: expected.shape, tolerance: tolerance)
    }

    /// The deformable conv alone, fed exactly the offsets and mask torchvision received.
    func testMatchesTorchvisionDeformConv2d() throws {
        for name in Self.caseNames {
            let c = try Case(name)
            let output = try c.conv().apply(try c.map("input"), offset: try c.map("offset"),
                                            mask: c.modulated ? try c.map("mask") : nil, pool: BufferPool())
            let report = compare(output, try XCTUnwrap(c.tensors["output"]), name, tolerance: fixtureTolerance)
            if ProcessInfo.processInfo.environment["WP_PRINT_PARITY"] != nil { print("dcn", report) }
            XCTAssertTrue(report.passes, report.description)
        }
    }

    /// The whole layer as the frameworks run it: offset conv (existing `Convolution`), the
    /// detectron2/mmcv split with the sigmoid, then the deformable conv. The offset conv's own
    /// float32 rounding (sums of 72 products) moves sampling positions by ~1e-6 px, which the
    /// bilinear weights pass on: 1e-4 of the output's range (Parity's default) covers it.
    func testWholeLayerFromOffsetConv() throws {
        for name in Self.caseNames {
            let c = try Case(name)
            let pool = BufferPool(), input = try c.map("input")
            let raw = try c.offsetConv().apply(input, pool: pool)
            let rawReport = compare(raw, try XCTUnwrap(c.tensors["offset_conv_out"]), name + " offset conv",
                                    tolerance: fixtureTolerance)
            XCTAssertTrue(rawReport.passes, rawReport.description)
            let conv = try c.conv()
            let output: FeatureMap
            if c.modulated {
                let (offset, mask) = try ModulatedOffsetSplit.thirds.split(raw, deformableGroups: c.deformableGroups,
                                                                            kernel: c.kernel, pool: pool)
                output = try conv.apply(input, offset: offset, mask: mask, pool: pool)
            } else {
                output = try conv.apply(input, offset: raw, pool: pool)
            }
            let report = compare(output, try XCTUnwrap(c.tensors["output"]), name, tolerance: Parity.defaultRelativeTolerance)
            if ProcessInfo.processInfo.environment["WP_PRINT_PARITY"] != nil { print("dcn layer", report) }
            XCTAssertTrue(report.passes, report.description)
        }
    }

    /// `DeformableLayer` (offset conv, split, deformable conv, folded BatchNorm, residual, ReLU) on
    /// every case, against torchvision's output put through the same BatchNorm, residual and ReLU
    /// in Double. Tolerance as for the whole layer above: 1e-4 of the range.
    func testDeformableLayerWithNormResidualAndReLU() throws {
        for (index, name) in Self.caseNames.enumerated() {
            let c = try Case(name)
            let input = try c.map("input"), expected = try XCTUnwrap(c.tensors["output"])
            let seed = UInt64(1200 + 10 * index)
            let norm = FoldedNorm(weight: NaiveOps.random(c.outChannels, seed: seed).map { $0 * 0.5 + 1 },
                                  bias: NaiveOps.random(c.outChannels, seed: seed + 1),
                                  runningMean: NaiveOps.random(c.outChannels, seed: seed + 2),
                                  runningVar: NaiveOps.random(c.outChannels, seed: seed + 3).map { $0 * 0.4 + 1 }, eps: 1e-5)
            let residual = NaiveOps.random(expected.shape.reduce(1, *), seed: seed + 4)
            let layer = try DeformableLayer(
                inChannels: input.channels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride,
                padding: c.padding, dilation: c.dilation, groups: c.groups, deformableGroups: c.deformableGroups,
                split: c.modulated ? .thirds : nil, offsetWeights: try XCTUnwrap(c.tensors["offset_conv.weight"]).floats(),
                offsetBias: try XCTUnwrap(c.tensors["offset_conv.bias"]).floats(),
                weights: try XCTUnwrap(c.tensors["weight"]).floats(), norm: norm)
            let output = try layer.apply(input, pool: BufferPool(), residual: FeatureMap(values: residual, shape: expected.shape),
                                         relu: true)
            let plane = expected.shape[2] * expected.shape[3]
            let reference = expected.floats().enumerated().map { i, v -> Float in
                let channel = i / plane % c.outChannels
                return max(v * norm.scale[channel] + norm.shift[channel] + residual[i], 0)
            }
            let report = Parity.compare(name: name, actual: output.values(), shape: output.shape, expected: reference,
                                        expectedShape: expected.shape)
            XCTAssertTrue(report.passes, report.description)
        }
        XCTAssertThrowsError(try DeformableLayer(inChannels: 8, outChannels: 4, deformableGroups: 4, split: .maskrcnnBenchmark,
                                                 offsetWeights: [Float](repeating: 0, count: 108 * 8 * 9),
                                                 offsetBias: [Float](repeating: 0, count: 108),
                                                 weights: [Float](repeating: 0, count: 4 * 8 * 9)),
                             "maskrcnn-benchmark's split is refused for 4 groups at construction")
    }

    /// Reading channel 2k as dx and 2k+1 as dy (the (x, y) order some re-implementations assume)
    /// must fail on every case: the check can catch the mistake it exists for.
    func testSwappedDyDxIsCaught() throws {
        for name in Self.caseNames {
            let c = try Case(name)
            let offset = try c.map("offset"), values = offset.values(), plane = offset.planeSize
            let swapped = values.indices.map { index -> Float in
                let channel = index / plane % offset.channels
                return values[index + ((channel ^ 1) - channel) * plane]   // channel 2k <-> 2k+1
            }
            let output = try c.conv().apply(try c.map("input"), offset: FeatureMap(values: swapped, shape: offset.shape),
                                            mask: c.modulated ? try c.map("mask") : nil, pool: BufferPool())
            let report = compare(output, try XCTUnwrap(c.tensors["output"]), name, tolerance: Parity.defaultRelativeTolerance)
            XCTAssertFalse(report.passes, "swapped dy/dx must not match: \(report)")
            XCTAssertGreaterThan(report.maxRelativeError, 0.05, report.description)
        }
    }

    /// With one deformable group, maskrcnn-benchmark's `[:, :18]` / `[:, -9:]` is the thirds rule.
    func testMaskrcnnBenchmarkSplitEqualsThirdsForOneGroup() throws {
        let c = try Case("v2_g1_s1")
        let raw = try c.map("offset_conv_out"), pool = BufferPool()
        let thirds = try ModulatedOffsetSplit.thirds.split(raw, deformableGroups: 1, kernel: 3, pool: pool)
        let benchmark = try ModulatedOffsetSplit.maskrcnnBenchmark.split(raw, deformableGroups: 1, kernel: 3, pool: pool)
        XCTAssertEqual(thirds.offset.values(), benchmark.offset.values())
        XCTAssertEqual(thirds.mask.values(), benchmark.mask.values())
        XCTAssertEqual(thirds.offset.values(), try XCTUnwrap(c.tensors["offset"]).floats(), "a split copies values")
        let maskReport = compare(thirds.mask, try XCTUnwrap(c.tensors["mask"]), "mask", tolerance: 1e-6)
        XCTAssertTrue(maskReport.passes, "sigmoid within a few ulp of torch.sigmoid: \(maskReport)")
    }

    /// With 4 deformable groups the rules differ: maskrcnn-benchmark's refuses (its kernel would read
    /// mask channels past the output), and a per-group interleaved reading gives wrong numbers.
    func testWrongSplitRuleWithFourGroupsIsCaught() throws {
        for name in ["v2_g4_s2", "v2_g4_s1_groups2_dilation2"] {
            let c = try Case(name)
            let raw = try c.map("offset_conv_out"), pool = BufferPool()
            XCTAssertThrowsError(try ModulatedOffsetSplit.maskrcnnBenchmark.split(raw, deformableGroups: 4, kernel: 3,
                                                                                  pool: pool)) { error in
                guard case DeformableConvolutionError.split(rule: "maskrcnn-benchmark", _) = error else {
                    return XCTFail("\(error)")
                }
            }
            let (offset, mask) = try ModulatedOffsetSplit.interleaved.split(raw, deformableGroups: 4, kernel: 3, pool: pool)
            let output = try c.conv().apply(try c.map("input"), offset: offset, mask: mask, pool: pool)
            let report = compare(output, try XCTUnwrap(c.tensors["output"]), name, tolerance: Parity.defaultRelativeTolerance)
            XCTAssertFalse(report.passes, "interleaved split must not match: \(report)")
        }
        let ranges = try ModulatedOffsetSplit.thirds.channels(of: 108, deformableGroups: 4, kernel: 3)
        XCTAssertEqual(ranges.offset, Array(0..<72))
        XCTAssertEqual(ranges.mask, Array(72..<108))
        XCTAssertThrowsError(try ModulatedOffsetSplit.thirds.channels(of: 72, deformableGroups: 4, kernel: 3),
                             "a v1 offset conv's output has no mask")
    }

    /// Zero offsets and a mask of one are an ordinary convolution (the existing `Convolution`).
    func testZeroOffsetsAreOrdinaryConvolution() throws {
        for (shape, stride, padding, dilation, groups, deformableGroups) in [
            ([1, 4, 7, 9], 1, 1, 1, 1, 1), ([2, 8, 9, 6], 2, 1, 1, 2, 4), ([1, 6, 10, 10], 1, 2, 2, 3, 2),
        ] {
            let x = NaiveOps.random(shape.reduce(1, *), seed: 900), out = 6
            let weights = NaiveOps.random(out * shape[1] / groups * 9, seed: 901)
            let dcn = try DeformableConvolution(inChannels: shape[1], outChannels: out, kernel: 3, stride: stride,
                                                padding: padding, dilation: dilation, groups: groups,
                                                deformableGroups: deformableGroups, weights: weights)
            let conv = Convolution(inChannels: shape[1], outChannels: out, kernel: 3, stride: stride, padding: padding,
                                   dilation: dilation, groups: groups, weights: weights)
            let outH = dcn.outputSize(shape[2]), outW = dcn.outputSize(shape[3])
            let offset = FeatureMap(values: [Float](repeating: 0, count: shape[0] * dcn.offsetChannels * outH * outW),
                                    shape: [shape[0], dcn.offsetChannels, outH, outW])
            let ones = FeatureMap(values: [Float](repeating: 1, count: shape[0] * dcn.maskChannels * outH * outW),
                                  shape: [shape[0], dcn.maskChannels, outH, outW])
            let map = FeatureMap(values: x, shape: shape)
            let expected = conv.apply(map, pool: BufferPool()).values()
            // Identical lowering values and the same sgemm calls: bit-identical.
            XCTAssertEqual(try dcn.apply(map, offset: offset, pool: BufferPool()).values(), expected)
            XCTAssertEqual(try dcn.apply(map, offset: offset, mask: ones, pool: BufferPool()).values(), expected)
        }
    }

    /// Random fractional offsets, with a tiny band size (one output row per band), against a direct
    /// summation in Double written from the definition.
    func testRandomOffsetsAgainstDirectSummation() throws {
        let shape = [2, 8, 7, 8], out = 4, groups = 2, deformableGroups = 4, stride = 2, padding = 1, dilation = 1
        let x = NaiveOps.random(shape.reduce(1, *), seed: 910)
        let weights = NaiveOps.random(out * shape[1] / groups * 9, seed: 911)
        for scratchLimit in [1, 1 << 22] {
            let dcn = try DeformableConvolution(inChannels: 8, outChannels: out, kernel: 3, stride: stride, padding: padding,
                                                dilation: dilation, groups: groups, deformableGroups: deformableGroups,
                                                weights: weights, scratchLimit: scratchLimit)
            let outH = dcn.outputSize(7), outW = dcn.outputSize(8)
            let offsets = NaiveOps.random(2 * dcn.offsetChannels * outH * outW, seed: 912).map { $0 * 3 }
            let mask = NaiveOps.random(2 * dcn.maskChannels * outH * outW, seed: 913).map { ($0 + 1) / 2 }
            let result = try dcn.apply(FeatureMap(values: x, shape: shape),
                                       offset: FeatureMap(values: offsets, shape: [2, dcn.offsetChannels, outH, outW]),
                                       mask: FeatureMap(values: mask, shape: [2, dcn.maskChannels, outH, outW]),
                                       pool: BufferPool())
            let expected = Self.direct(x, shape, weights: weights, out: out, offsets: offsets, mask: mask, stride: stride,
                                       padding: padding, dilation: dilation, groups: groups,
                                       deformableGroups: deformableGroups, outH: outH, outW: outW)
            // Double reference vs float32 sampling and sgemm: 1e-5 of the range (see ReferenceOpTests).
            let report = Parity.compare(name: "random", actual: result.values(), shape: result.shape, expected: expected,
                                        expectedShape: [2, out, outH, outW], tolerance: 1e-5)
            XCTAssertTrue(report.passes, report.description)
        }
    }

    /// The sampling rule at the border, point by point: zero at y <= -1 and y >= H, partial
    /// neighbourhoods inside (-1, 0) and (H-1, H).
    func testBilinearBorderRule() {
        let plane: [Float] = [1, 2, 3, 4, 5, 6]   // 2 rows × 3 columns
        plane.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            func sample(_ y: Float, _ x: Float) -> Float { DeformableIm2col.bilinear(base, height: 2, width: 3, y: y, x: x) }
            XCTAssertEqual(sample(-1, 0), 0, "y = -1 is outside")
            XCTAssertEqual(sample(0, 3), 0, "x = W is outside")
            XCTAssertEqual(sample(-0.5, 0), 0.5, "half of the top row's weight: 0.5·1")
            XCTAssertEqual(sample(1.5, 2.5), 0.25 * 6, "only the one inside neighbour, weight 0.25")
            XCTAssertEqual(sample(0.5, 1), 3.5, "interior: mean of 2 and 5")
            XCTAssertEqual(sample(1, 2), 6, "on the last pixel exactly")
            XCTAssertEqual(sample(.nan, 1), 0, "a NaN offset reads 0 (and does not trap)")
            XCTAssertEqual(sample(0, -.infinity), 0)
        }
    }

    /// The production path (sampling table per deformable group, then applied per channel) against
    /// the one-point `bilinear` rule, exactly: a 1×1 deformable conv with weight 1 outputs
    /// `mask · bilinear(x, position + offset)`, here for offsets spanning the map and beyond, NaN,
    /// and two deformable groups over four channels.
    func testLoweringEqualsPointwiseRule() throws {
        let (h, w) = (5, 6), channels = 4, groups = 2
        let x = NaiveOps.random(channels * h * w, seed: 1400)
        let identity = (0..<channels).flatMap { o in (0..<channels).map { i -> Float in i == o ? 1 : 0 } }
        let dcn = try DeformableConvolution(inChannels: channels, outChannels: channels, kernel: 1,
                                            deformableGroups: groups, weights: identity)
        var offsets = NaiveOps.random(2 * groups * h * w, seed: 1401).map { $0 * 8 }
        offsets[3] = .nan
        offsets[7] = -1
        offsets[8] = Float(h) - 1
        let mask = NaiveOps.random(groups * h * w, seed: 1402).map { ($0 + 1) / 2 }
        let output = try dcn.apply(FeatureMap(values: x, shape: [1, channels, h, w]),
                                   offset: FeatureMap(values: offsets, shape: [1, 2 * groups, h, w]),
                                   mask: FeatureMap(values: mask, shape: [1, groups, h, w]), pool: BufferPool()).values()
        x.withUnsafeBufferPointer { input in
            for c in 0..<channels {
                let g = c / (channels / groups)
                for p in 0..<(h * w) {
                    let y = Float(p / w) + offsets[(2 * g) * h * w + p], xx = Float(p % w) + offsets[(2 * g + 1) * h * w + p]
                    let expected = mask[g * h * w + p]
                        * DeformableIm2col.bilinear(input.baseAddress! + c * h * w, height: h, width: w, y: y, x: xx)
                    XCTAssertEqual(output[c * h * w + p], expected, "channel \(c) position \(p)")
                }
            }
        }
    }

    func testInvalidShapesThrow() throws {
        XCTAssertThrowsError(try DeformableConvolution(inChannels: 6, outChannels: 4, kernel: 3, deformableGroups: 4,
                                                       weights: [Float](repeating: 0, count: 4 * 6 * 9)))
        XCTAssertThrowsError(try DeformableConvolution(inChannels: 8, outChannels: 4, kernel: 3, weights: [1, 2]))
        let dcn = try DeformableConvolution(inChannels: 2, outChannels: 2, kernel: 3, padding: 1,
                                            weights: [Float](repeating: 0.1, count: 36))
        let x = FeatureMap(values: [Float](repeating: 1, count: 2 * 16), shape: [1, 2, 4, 4])
        let wrongOffset = FeatureMap(values: [Float](repeating: 0, count: 9 * 16), shape: [1, 9, 4, 4])
        XCTAssertThrowsError(try dcn.apply(x, offset: wrongOffset, pool: BufferPool())) { error in
            XCTAssertEqual(error as? DeformableConvolutionError, .offset(expected: [1, 18, 4, 4], found: [1, 9, 4, 4]))
        }
    }

    /// Direct deformable convolution in Double: for each output, sum over input channels and taps of
    /// weight · mask · bilinear(input, position + offset), with torchvision's border rule.
    static func direct(_ x: [Float], _ shape: [Int], weights: [Float], out: Int, offsets: [Float], mask: [Float],
                       stride: Int, padding: Int, dilation: Int, groups: Int, deformableGroups: Int,
                       outH: Int, outW: Int) -> [Float] {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let inPerGroup = c / groups, outPerGroup = out / groups, perOffsetGroup = c / deformableGroups
        func value(_ b: Int, _ ch: Int, _ yy: Int, _ xx: Int) -> Double {
            guard yy >= 0, yy < h, xx >= 0, xx < w else { return 0 }
            return Double(x[((b * c + ch) * h + yy) * w + xx])
        }
        func sample(_ b: Int, _ ch: Int, _ y: Double, _ xq: Double) -> Double {
            guard y > -1, y < Double(h), xq > -1, xq < Double(w) else { return 0 }
            let y0 = Int(y.rounded(.down)), x0 = Int(xq.rounded(.down))
            let ly = y - Double(y0), lx = xq - Double(x0)
            return (1 - ly) * (1 - lx) * value(b, ch, y0, x0) + (1 - ly) * lx * value(b, ch, y0, x0 + 1)
                + ly * (1 - lx) * value(b, ch, y0 + 1, x0) + ly * lx * value(b, ch, y0 + 1, x0 + 1)
        }
        var result = [Float](repeating: 0, count: n * out * outH * outW)
        for b in 0..<n { for o in 0..<out { for oy in 0..<outH { for ox in 0..<outW {
            var sum = 0.0
            let group = o / outPerGroup
            for ci in 0..<inPerGroup { for i in 0..<3 { for j in 0..<3 {
                let ch = group * inPerGroup + ci, dg = ch / perOffsetGroup, tap = i * 3 + j
                let plane = outH * outW, at = oy * outW + ox
                let dy = Double(offsets[(b * 2 * deformableGroups * 9 + dg * 18 + 2 * tap) * plane + at])
                let dx = Double(offsets[(b * 2 * deformableGroups * 9 + dg * 18 + 2 * tap + 1) * plane + at])
                let m = Double(mask[(b * deformableGroups * 9 + dg * 9 + tap) * plane + at])
                let y = Double(oy * stride - padding + i * dilation) + dy
                let xq = Double(ox * stride - padding + j * dilation) + dx
                sum += Double(weights[((o * inPerGroup + ci) * 3 + i) * 3 + j]) * m * sample(b, ch, y, xq)
            } } }
            result[((b * out + o) * outH + oy) * outW + ox] = Float(sum)
        } } } }
        return result
    }
}
