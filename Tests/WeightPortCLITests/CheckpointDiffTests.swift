import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// `CheckpointDiff` through the library: models loaded onto the hub, changed in memory in
/// known ways, and the differences it reports checked against values computed here.
final class CheckpointDiffTests: XCTestCase {
    func model(_ file: String) throws -> CanonicalModel {
        try CanonicalModelLoader.load(path: Fixtures.path("conventions/\(file)"), options: .init(), catalog: ConventionFixtures.catalog)
    }

    func entry(_ outcome: CheckpointDiff.Outcome, _ name: String) throws -> CheckpointDiff.TensorDifference {
        try XCTUnwrap(outcome.tensors.first { $0.name == name }, "no \(name)")
    }

    func set(_ model: inout CanonicalModel, _ name: String, _ change: (inout [Float]) -> Void) throws {
        let tensor = try XCTUnwrap(model.weights.tensors[name], "no \(name)")
        var values = tensor.floats()
        change(&values)
        model.weights.tensors[name] = Tensor(float32: values, shape: tensor.shape)
    }

    /// Every pair of files of fixtures/conventions (written natively from one model: 28 detection
    /// pairs in 8 files, 6 classifier pairs in 4) holds the same model. The largest relative
    /// difference measured is 1.2e-7 (Detectron's float32-folded affine channels against Caffe's
    /// BatchNorm+Scale), far inside the default tolerance; pairs with the same norm form
    /// (torchvision, detectron2, mmdet, canonical; Detectron and Detectron.pytorch) are bit-identical.
    func testEveryPairOfTheConventionFixturesIsTheSameModel() throws {
        let identical: Set<Set<String>> = [
            ["torchvision.pth", "detectron2.pkl"], ["torchvision.pth", "mmdet.pth"], ["torchvision.pth", "canonical.safetensors"],
            ["detectron2.pkl", "mmdet.pth"], ["detectron2.pkl", "canonical.safetensors"], ["mmdet.pth", "canonical.safetensors"],
            ["detectron.pytorch.pth", "detectron.pkl"], ["maskrcnn-benchmark.pth", "maskrcnn-benchmark-module.pth"],
            ["torchvision_classifier.pth", "canonical_classifier.safetensors"],
        ]
        var pairs = 0
        for family in ["detection", "classifier"] {
            let files = ConventionFixtures.files.filter { $0.family == family }.map(\.file)
            let models = try files.map(model)
            for i in models.indices {
                for j in models.indices where j > i {
                    let label = "\(files[i]) vs \(files[j])"
                    let outcome = CheckpointDiff.compare(models[i], models[j])
                    XCTAssertTrue(outcome.same, "\(label): \(outcome.differing.map(\.name)) \(outcome.onlyInA) \(outcome.onlyInB)")
                    let worst = outcome.tensors.map(\.maxRelative).max() ?? 0
                    XCTAssertLessThan(worst, 1.5e-7, label)
                    if identical.contains([files[i], files[j]]) { XCTAssertEqual(worst, 0, label) }
                    pairs += 1
                }
            }
        }
        XCTAssertEqual(pairs, 34)
    }

    /// A BatchNorm written by hand as the affine channel it computes (in float32, as conversion
    /// scripts do) compares equal; the difference left is float32 rounding.
    func testBatchNormAndItsHandFoldedAffineFormAreTheSameModel() throws {
        let a = try model("torchvision.pth")
        var b = a
        let path = "res3.0.conv1.norm"
        let w = try XCTUnwrap(a.weights.tensors[path + ".weight"]).floats(), bias = try XCTUnwrap(a.weights.tensors[path + ".bias"]).floats()
        let m = try XCTUnwrap(a.weights.tensors[path + ".running_mean"]).floats(), v = try XCTUnwrap(a.weights.tensors[path + ".running_var"]).floats()
        let eps = try XCTUnwrap(a.weights.normEps[path])
        XCTAssertEqual(eps, 1e-5)
        let scale = (0..<w.count).map { w[$0] / (v[$0] + Float(eps)).squareRoot() }
        b.weights.tensors[path + ".weight"] = Tensor(float32: scale, shape: [w.count])
        b.weights.tensors[path + ".bias"] = Tensor(float32: (0..<w.count).map { bias[$0] - m[$0] * scale[$0] }, shape: [w.count])
        b.weights.tensors[path + ".running_mean"] = nil
        b.weights.tensors[path + ".running_var"] = nil
        b.weights.normEps[path] = nil

        let outcome = CheckpointDiff.compare(a, b)
        XCTAssertTrue(outcome.same, "\(outcome.differing.map(\.name))")
        XCTAssertEqual(outcome.onlyInA, [])
        let folded = try entry(outcome, path + ".bias")
        XCTAssertEqual(folded.transform, "a: BatchNorm (eps 1e-05) as its effective per-channel shift b - mean*scale")
        XCTAssertGreaterThan(folded.maxAbsolute, 0)
        XCTAssertLessThan(folded.maxRelative, 1e-6)
    }

    /// Statistics that change the function: the reported difference is the effective scale's.
    func testAChangedVarianceDiffersByTheEffectiveScale() throws {
        let a = try model("torchvision.pth")
        var b = a
        let path = "res2.0.conv2.norm"
        try set(&b, path + ".running_var") { $0[1] *= 4 }
        let w = try XCTUnwrap(a.weights.tensors[path + ".weight"]).doubles()
        let v = try XCTUnwrap(a.weights.tensors[path + ".running_var"]).doubles()
        let m = try XCTUnwrap(a.weights.tensors[path + ".running_mean"]).doubles()
        let v4 = Double(Float(v[1]) * 4)
        let scaleA = w.indices.map { w[$0] / (v[$0] + 1e-5).squareRoot() }
        let expected = abs(w[1] / (v[1] + 1e-5).squareRoot() - w[1] / (v4 + 1e-5).squareRoot())

        let outcome = CheckpointDiff.compare(a, b)
        XCTAssertFalse(outcome.same)
        XCTAssertEqual(Set(outcome.differing.map(\.name)), [path + ".weight", path + ".bias"])
        let scale = try entry(outcome, path + ".weight")
        XCTAssertEqual(scale.maxAbsolute, expected, accuracy: 1e-12)
        let largest = max(scaleA.map(abs).max() ?? 0, abs(w[1] / (v4 + 1e-5).squareRoot()))
        XCTAssertEqual(scale.maxRelative, expected / largest, accuracy: 1e-12)
        // The shift moves by mean·Δscale.
        XCTAssertEqual(try entry(outcome, path + ".bias").maxAbsolute, abs(m[1]) * expected, accuracy: 1e-9)
    }

    /// A stem conv bias c whose BatchNorm mean absorbs it (Caffe's R-50) is the model without it.
    func testAStemConvBiasAbsorbedByTheMeanIsTheSameModel() throws {
        let a = try model("torchvision.pth")
        var b = a
        let channels = try XCTUnwrap(a.weights.tensors["stem.conv1.norm.weight"]).count
        let c = (0..<channels).map { Float($0) * 0.125 - 0.25 }
        b.weights.tensors["stem.conv1.bias"] = Tensor(float32: c, shape: [channels])
        try set(&b, "stem.conv1.norm.running_mean") { mean in for i in mean.indices { mean[i] += c[i] } }

        let outcome = CheckpointDiff.compare(a, b)
        XCTAssertTrue(outcome.same, "\(outcome.differing.map(\.name)) \(outcome.onlyInB)")
        XCTAssertEqual(outcome.onlyInB, [])
        XCTAssertTrue(try entry(outcome, "stem.conv1.norm.bias").transform?.contains("stem conv bias folded in") == true)
    }

    /// Relative difference is symmetric, NaNs at the same place are equal, a lone NaN is not.
    func testRelativeDifferenceIsSymmetricAndNaNAware() throws {
        let a = try model("canonical.safetensors")
        var b = a
        let name = "fpn_output3.weight"
        try set(&b, name) { $0[0] += 0.5 }
        let forward = try entry(CheckpointDiff.compare(a, b), name), backward = try entry(CheckpointDiff.compare(b, a), name)
        XCTAssertEqual(forward.maxAbsolute, backward.maxAbsolute)
        XCTAssertEqual(forward.maxRelative, backward.maxRelative)
        let original = try XCTUnwrap(a.weights.tensors[name]).floats(), changed = try XCTUnwrap(b.weights.tensors[name]).floats()
        let largest = Double(max(original.map(abs).max() ?? 0, changed.map(abs).max() ?? 0))
        XCTAssertEqual(forward.maxAbsolute, Double(changed[0]) - Double(original[0]))
        XCTAssertEqual(forward.maxRelative, forward.maxAbsolute / largest, accuracy: 1e-15)

        var nanA = a, nanB = a
        try set(&nanA, name) { $0[3] = .nan }
        try set(&nanB, name) { $0[3] = .nan }
        XCTAssertTrue(CheckpointDiff.compare(nanA, nanB).same)
        let lone = try entry(CheckpointDiff.compare(nanA, a), name)
        XCTAssertEqual(lone.maxAbsolute, .infinity)
        XCTAssertFalse(lone.withinTolerance)
    }

    func testTheToleranceIsInclusive() throws {
        let a = try model("canonical.safetensors")
        var b = a
        try set(&b, "fpn_lateral2.bias") { $0[0] += 0.5 }
        let rel = try entry(CheckpointDiff.compare(a, b), "fpn_lateral2.bias").maxRelative
        XCTAssertTrue(CheckpointDiff.compare(a, b, tolerance: rel).same)
        XCTAssertFalse(CheckpointDiff.compare(a, b, tolerance: rel.nextDown).same)
    }

    func testAnUnreadableFileIsAFileErrorNamingIt() throws {
        let request = CheckpointDiff.Request(a: Fixtures.path("conventions/torchvision.pth"), b: Fixtures.path("bad/h5_garbage.h5"))
        XCTAssertThrowsError(try CheckpointDiff.compare(request, catalog: ConventionFixtures.catalog)) { error in
            XCTAssertEqual((error as? FileError)?.path, Fixtures.path("bad/h5_garbage.h5"))
        }
    }

    /// `--from-a`/`--from-b` are honoured: reading Detectron's names as torchvision's finds nothing.
    func testAConventionGivenForASideIsUsed() throws {
        var request = CheckpointDiff.Request(a: Fixtures.path("conventions/torchvision.pth"), b: Fixtures.path("conventions/torchvision.pth"))
        request.loadB = .init(from: "torchvision")
        let outcome = try CheckpointDiff.compare(request, catalog: ConventionFixtures.catalog)
        XCTAssertTrue(outcome.same)
        XCTAssertEqual(outcome.b.convention, "torchvision")
        request.loadB = .init(from: "detectron")
        XCTAssertThrowsError(try CheckpointDiff.compare(request, catalog: ConventionFixtures.catalog))
    }
}
