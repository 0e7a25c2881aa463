import Foundation
import XCTest
import WeightPortCore
import WeightPortModels
import WeightPortReference
import WeightPortTestSupport

/// Names, JSON, the parameter list of full-size models, and load diagnostics.
final class ArchitectureSpecTests: XCTestCase {
    func testParsesAndPrintsModelZooNames() throws {
        for name in ["R-50-FPN", "R-101-FPN", "X-101-32x8d-FPN", "R-50-C4", "R-18-C5", "R-152-C5", "X-152-32x8d-FPN",
                     "R-50-FPN-RetinaNet", "R-50-FPN-P2only", "X-101-64x4d-C4"] {
            XCTAssertEqual(try ArchitectureSpec(name: name).name, name)
        }
        let resnext = try ArchitectureSpec(name: "X-101-32x8d-FPN")
        XCTAssertEqual(resnext.blocksPerStage, [3, 4, 23, 3])
        XCTAssertEqual(resnext.bottleneckWidth(stage: 0), 256, "32 groups × 8 channels")
        XCTAssertFalse(resnext.strideIn1x1, "Detectron's ResNeXt models stride on the 3×3")
        XCTAssertTrue(try ArchitectureSpec(name: "R-50-C4").strideIn1x1, "MSRA ModelTree strides on the 1×1")
        XCTAssertEqual(try ArchitectureSpec(name: "R-34").block, .basic)
        XCTAssertEqual(try ArchitectureSpec(name: "R-50-FPN-RetinaNet").fpn?.topBlock, .p6p7FromC5)
    }

    func testRejectsMalformedNames() {
        for name in ["", "R", "Q-50", "R-51-FPN", "X-101-FPN", "R-50-FPN-Extra", "R-50-C4-RetinaNet", "X-18-2x4d"] {
            XCTAssertThrowsError(try ArchitectureSpec(name: name), name) { error in
                XCTAssertTrue((error as? ArchitectureError)?.what.contains("cannot parse") ?? false, "\(error)")
            }
        }
    }

    func testJSONRoundTripAndOverrides() throws {
        var spec = try ArchitectureSpec(name: "X-101-32x8d-FPN")
        spec.norm = .group(32)
        spec.dilations = [1, 1, 1, 2]
        let decoded = try JSONDecoder().decode(ArchitectureSpec.self, from: JSONEncoder().encode(spec))
        XCTAssertEqual(decoded, spec)
        let partial = #"{"name": "R-50-FPN", "blocksPerStage": [1, 1, 1, 1], "norm": {"kind": "affine", "eps": 0, "groups": 1}}"#
        let overridden = try JSONDecoder().decode(ArchitectureSpec.self, from: Data(partial.utf8))
        XCTAssertEqual(overridden.blocksPerStage, [1, 1, 1, 1])
        XCTAssertEqual(overridden.norm.kind, .affine)
        XCTAssertEqual(overridden.fpn?.channels, 256, "fields the JSON omits come from the name")
        let contradictory = #"{"name": "R-50-FPN", "fpn": null}"#
        XCTAssertThrowsError(try JSONDecoder().decode(ArchitectureSpec.self, from: Data(contradictory.utf8)))
    }

    /// The full-size trees list exactly the parameters (names and shapes, in order) that torchvision's
    /// published models have once renamed to canonical names (fixtures/gen_models.py `full_size_parameters`).
    func testFullSizeParametersMatchTorchvision() throws {
        guard let tables = try Fixtures.json("models/full_size_parameters.json") as? [String: [[Any]]] else {
            return XCTFail("unreadable full_size_parameters.json")
        }
        XCTAssertEqual(tables.count, 8)
        for (name, entries) in tables {
            var spec = try ArchitectureSpec(name: name)
            spec.strideIn1x1 = false
            if spec.body == .c5 { spec.classes = 1000 }
            let expected = entries.map { "\($0[0]) \($0[1] as? [Int] ?? [])" }
            let actual = try ModelTree(spec: spec).parameters.map { "\($0.path) \($0.shape)" }
            XCTAssertEqual(actual, expected, name)
        }
    }

    func testLoadReportsMissingUnexpectedAndMisshapen() throws {
        let fixture = try ModelFixture("r50_fpn_torchvision")
        var weights = fixture.weights
        weights["res3.0.conv2.weight"] = nil
        weights["res2.0.conv1.norm.num_batches_tracked"] = Tensor(float32: [0], shape: [])
        weights["res2.0.conv1_momentum"] = Tensor(float32: [0], shape: [1])
        weights["fpn_lateral2.bias"] = Tensor(float32: [Float](repeating: 0, count: 15), shape: [15])
        XCTAssertThrowsError(try ReferenceModel(tree: try ModelTree(spec: fixture.spec), stateDict: weights)) { error in
            guard case .parameters(let missing, let unexpected, let mismatched) = error as? LoadError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(missing, ["res3.0.conv2.weight"])
            XCTAssertEqual(unexpected, ["res2.0.conv1_momentum"], "num_batches_tracked is tolerated bookkeeping")
            XCTAssertEqual(mismatched, [.init(path: "fpn_lateral2.bias", expected: [16], found: [15])])
            XCTAssertEqual((error as? LoadError)?.location, "parameter res3.0.conv2.weight")
        }
    }

    func testRejectsInputWithWrongChannels() throws {
        let fixture = try ModelFixture("r18_classifier")
        let model = try ReferenceModel(tree: try ModelTree(spec: fixture.spec), stateDict: fixture.weights)
        XCTAssertThrowsError(try model.forward(Tensor(float32: [Float](repeating: 0, count: 64), shape: [1, 4, 4, 4])))
    }

    func testReturnedFeaturesSelectsOutputs() throws {
        let fixture = try ModelFixture("r50_fpn_torchvision")
        var spec = fixture.spec
        spec.returnedFeatures = ["res4", "p3"]
        let features = try ReferenceModel(tree: try ModelTree(spec: spec), stateDict: fixture.weights).forward(fixture.input)
        XCTAssertEqual(Set(features.keys), ["res4", "p3"])
    }
}
