import Foundation
import XCTest
import WeightPortCore
import WeightPortFormats
import WeightPortModels
import WeightPortTestSupport
@testable import WeightPortReference

/// A whole narrow ResNet-50 with deformable conv2 in res3-res5 (fixtures/dcnghost/dcn_resnet/,
/// torchvision ResNet + `deform_conv2d`), run by composing the reference ops by hand the way the
/// tree will: ordinary convs with folded BatchNorm, and `DeformableLayer` for every conv2 of a
/// deformable stage (offset conv on conv2's input, with conv2's stride). It checks the fixtures
/// and shows the ops compose; the tree nodes that will run these models replace this test's loop.
final class DeformableResNetTests: XCTestCase {
    override func setUpWithError() throws { try ReferenceBLAS.load() }

    private struct Variant {
        let weights: StateDict
        var spec: ArchitectureSpec
        let input: FeatureMap
        let features: StateDict
        let modulated: Bool
        let deformableGroups: Int

        init(_ name: String) throws {
            let directory = "dcnghost/dcn_resnet/\(name)/"
            weights = try SafetensorsReader.read(Fixtures.bytes(directory + "weights.safetensors")).tensors
            features = try SafetensorsReader.read(Fixtures.bytes(directory + "features.safetensors")).tensors
            let input = try XCTUnwrap(SafetensorsReader.read(Fixtures.bytes(directory + "input.safetensors")).tensors["input"])
            self.input = FeatureMap(values: input.floats(), shape: input.shape)
            spec = try JSONDecoder().decode(ArchitectureSpec.self,
                                            from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path(directory + "arch.json"))))
            let dcn = try XCTUnwrap(Fixtures.json(directory + "dcn.json") as? [String: Any])
            modulated = try XCTUnwrap(dcn["modulated"] as? Bool)
            deformableGroups = try XCTUnwrap(dcn["deformableGroups"] as? Int)
        }

        func floats(_ name: String) throws -> [Float] { try XCTUnwrap(weights[name], name).floats() }
        func shape(_ name: String) throws -> [Int] { try XCTUnwrap(weights[name], name).shape }

        func norm(_ path: String) throws -> FoldedNorm {
            FoldedNorm(weight: try floats(path + ".weight"), bias: try floats(path + ".bias"),
                       runningMean: try floats(path + ".running_mean"), runningVar: try floats(path + ".running_var"),
                       eps: 1e-5)
        }

        /// Conv `path` with `path.norm` folded; padding `(k − 1) / 2`.
        func conv(_ path: String, stride: Int = 1) throws -> Convolution {
            let shape = try shape(path + ".weight"), norm = try norm(path + ".norm")
            var weights = try floats(path + ".weight")
            norm.scaleRows(of: &weights)
            return Convolution(inChannels: shape[1], outChannels: shape[0], kernel: shape[2], stride: stride,
                               padding: (shape[2] - 1) / 2, weights: weights, bias: norm.shift)
        }

        func deformable(_ path: String, stride: Int) throws -> DeformableLayer {
            let shape = try shape(path + ".weight")
            return try DeformableLayer(inChannels: shape[1], outChannels: shape[0], stride: stride,
                                       deformableGroups: deformableGroups, split: modulated ? .thirds : nil,
                                       offsetWeights: try floats(path + "_offset.weight"),
                                       offsetBias: try floats(path + "_offset.bias"), weights: try floats(path + ".weight"),
                                       norm: try norm(path + ".norm"))
        }
    }

    private func run(_ v: Variant) throws -> [String: FeatureMap] {
        let pool = BufferPool()
        var features: [String: FeatureMap] = [:]
        var x = try v.conv("stem.conv1", stride: 2).apply(v.input, pool: pool, relu: true)
        x = MaxPool(kernel: 3, stride: 2, padding: 1).apply(x, pool: pool)
        features["stem"] = x
        for (index, blocks) in v.spec.blocksPerStage.enumerated() {
            let stage = index + 2
            for block in 0..<blocks {
                let path = "res\(stage).\(block)", stride = block == 0 && stage > 2 ? 2 : 1
                let residual = v.weights.contains(path + ".shortcut.weight")
                    ? try v.conv(path + ".shortcut", stride: stride).apply(x, pool: pool) : x
                var y = try v.conv(path + ".conv1", stride: v.spec.strideIn1x1 ? stride : 1).apply(x, pool: pool, relu: true)
                let conv2Stride = v.spec.strideIn1x1 ? 1 : stride
                if v.weights.contains(path + ".conv2_offset.weight") {
                    y = try v.deformable(path + ".conv2", stride: conv2Stride).apply(y, pool: pool, relu: true)
                } else {
                    y = try v.conv(path + ".conv2", stride: conv2Stride).apply(y, pool: pool, relu: true)
                }
                x = try v.conv(path + ".conv3").apply(y, pool: pool, residual: residual, relu: true)
            }
            features["res\(stage)"] = x
        }
        return features
    }

    /// stem and res2-res5 at Parity's default tolerance (1e-4 of each feature's largest magnitude):
    /// float32 sums in another order and folded norms, through 5 blocks with 4 deformable convs whose
    /// sampling positions carry the offset convs' rounding.
    func testDeformableResNetsMatchTorchvision() throws {
        for name in ["r50_dcnv2_g4_c3c5", "r50_dcnv1_c3c5_stride1x1"] {
            let variant = try Variant(name)
            XCTAssertEqual(variant.weights.names.filter { $0.hasSuffix("conv2_offset.weight") }.count, 4,
                           "res3.0, res3.1, res4.0, res5.0")
            let computed = try run(variant)
            for feature in variant.features.names {
                let expected = try XCTUnwrap(variant.features[feature]), actual = try XCTUnwrap(computed[feature])
                let report = Parity.compare(name: "\(name) \(feature)", actual: actual.values(), shape: actual.shape,
                                            expected: expected.floats(), expectedShape: expected.shape)
                if ProcessInfo.processInfo.environment["WP_PRINT_PARITY"] != nil { print(report) }
                XCTAssertTrue(report.passes, report.description)
            }
        }
    }

    /// The same weights with the stride on the other conv: res2 (no stride) still matches, res3 not.
    /// With pytorch-style stride the offset conv is strided too; moving it is the mistake the
    /// "stride in the 1×1 vs the 3×3" semantics exist to prevent.
    func testWrongStridePlacementIsCaught() throws {
        var variant = try Variant("r50_dcnv2_g4_c3c5")
        variant.spec.strideIn1x1.toggle()
        let computed = try run(variant)
        func passes(_ feature: String) throws -> Bool {
            let expected = try XCTUnwrap(variant.features[feature]), actual = try XCTUnwrap(computed[feature])
            return Parity.compare(name: feature, actual: actual.values(), shape: actual.shape, expected: expected.floats(),
                                  expectedShape: expected.shape).passes
        }
        XCTAssertTrue(try passes("res2"))
        XCTAssertFalse(try passes("res3"))
    }
}
