import WeightPortVocabulary
import WeightPortCore
import WeightPortMapping
import XCTest

/// The adapter must leave every norm computing the same function of its input.
final class NormAdapterTests: XCTestCase {
    let x: [Float] = [-3, -0.5, 0, 0.25, 1, 7]

    /// y = w·(x − m)/√(v + eps) + b, in Double, for one channel.
    func apply(_ w: CanonicalWeights, _ path: String, channel c: Int, input: Float, stemBias: Float = 0) -> Double {
        let weight = Double(w.tensors[path + ".weight"]!.floats()[c]), bias = Double(w.tensors[path + ".bias"]!.floats()[c])
        let value = Double(input + stemBias)
        guard let m = w.tensors[path + ".running_mean"]?.floats()[c], let v = w.tensors[path + ".running_var"]?.floats()[c] else {
            return weight * value + bias
        }
        return weight * (value - Double(m)) / (Double(v) + w.normEps[path]!).squareRoot() + bias
    }

    func batchNorm(eps: Double) -> CanonicalWeights {
        CanonicalWeights(tensors: StateDict([
            ("stem.conv1.norm.weight", Tensor(float32: [0.5, 2, -1], shape: [3])),
            ("stem.conv1.norm.bias", Tensor(float32: [0.1, -0.2, 3], shape: [3])),
            ("stem.conv1.norm.running_mean", Tensor(float32: [0.3, -1, 2], shape: [3])),
            ("stem.conv1.norm.running_var", Tensor(float32: [0.01, 4, 1e-6], shape: [3])),
        ]), normEps: ["stem.conv1.norm": eps])
    }

    func assertSameFunction(_ a: CanonicalWeights, _ b: CanonicalWeights, stemBiasA: [Float] = [0, 0, 0], line: UInt = #line) {
        for c in 0..<3 {
            for v in x {
                let ya = apply(a, "stem.conv1.norm", channel: c, input: v, stemBias: stemBiasA[c])
                let yb = apply(b, "stem.conv1.norm", channel: c, input: v)
                // float32 parameters: agreement to a few float32 ulps of the output's magnitude.
                XCTAssertEqual(ya, yb, accuracy: 1e-5 * max(1, abs(ya)), "channel \(c) input \(v)", line: line)
            }
        }
    }

    func testBatchNormEpsChangeKeepsTheFunction() throws {
        let source = batchNorm(eps: 1e-3)
        let adapted = try NormAdapter.adapt(source, to: .init(normKind: .batchnorm, eps: 1e-5, stemBias: false))
        XCTAssertEqual(adapted.normEps["stem.conv1.norm"], 1e-5)
        assertSameFunction(source, adapted)
    }

    func testBatchNormFoldsIntoAffine() throws {
        let source = batchNorm(eps: 1e-5)
        let adapted = try NormAdapter.adapt(source, to: .init(normKind: .affine, eps: 0, stemBias: false))
        XCTAssertNil(adapted.tensors["stem.conv1.norm.running_mean"])
        assertSameFunction(source, adapted)
    }

    func testAffineGetsExactStatistics() throws {
        var source = batchNorm(eps: 1e-5)
        source.tensors["stem.conv1.norm.running_mean"] = nil
        source.tensors["stem.conv1.norm.running_var"] = nil
        source.normEps = [:]
        for eps in [0.0, 1e-5] {
            let adapted = try NormAdapter.adapt(source, to: .init(normKind: .frozenBatchnorm, eps: eps, stemBias: false))
            XCTAssertEqual(adapted.tensors["stem.conv1.norm.running_mean"]?.floats(), [0, 0, 0])
            assertSameFunction(source, adapted)
        }
    }

    func testStemBiasFoldsIntoBatchNormAndAffine() throws {
        let bias: [Float] = [0.7, -2, 0.05]
        for kind: DeclaredNorm in [.batchnorm, .affine] {
            var source = batchNorm(eps: 1e-5)
            source.tensors["stem.conv1.bias"] = Tensor(float32: bias, shape: [3])
            if kind == .affine { source = try NormAdapter.adapt(source, to: .init(normKind: .affine, eps: 0, stemBias: true)) }
            let adapted = try NormAdapter.adapt(source, to: .init(normKind: kind, eps: 1e-5, stemBias: false))
            XCTAssertNil(adapted.tensors["stem.conv1.bias"])
            assertSameFunction(source, adapted, stemBiasA: bias)
        }
    }
}
