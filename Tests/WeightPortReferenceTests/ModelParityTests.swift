import XCTest
import WeightPortCore
import WeightPortModels
import WeightPortReference

/// Every variant's forward pass against the features torchvision/timm computed (fixtures/gen_models.py).
final class ModelParityTests: XCTestCase {
    /// Runs the variant and checks every recorded feature at Parity's documented default tolerance
    /// (1e-4 of each feature's largest magnitude; see `Parity`).
    private func checkVariant(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = try ModelFixture(name)
        let model = try ReferenceModel(tree: try ModelTree(spec: fixture.spec), stateDict: fixture.weights)
        let computed = try model.forward(fixture.input)
        let reports = Parity.compare(actual: computed, expected: fixture.features)
        XCTAssertEqual(reports.count, fixture.features.count, file: file, line: line)
        XCTAssertEqual(Set(computed.keys), Set(fixture.features.names), "returns exactly the recorded features",
                       file: file, line: line)
        for report in reports {
            if ProcessInfo.processInfo.environment["WP_PRINT_PARITY"] != nil { print(name, report) }
            XCTAssertTrue(report.passes, "\(name): \(report)", file: file, line: line)
            XCTAssertGreaterThan(report.cosineSimilarity, 0.999999, "\(name): \(report.name)", file: file, line: line)
        }
        XCTAssertNil(Parity.diagnosis(reports), file: file, line: line)
    }

    func testTorchvisionR50FPNStrideOn3x3() throws { try checkVariant("r50_fpn_torchvision") }
    func testCaffeStemAffineRetinaNetP6P7FromC5() throws { try checkVariant("r50_fpn_retinanet_caffe_affine") }
    func testResNeXtGroupNormFPNP6P7FromP5Batch2() throws { try checkVariant("x50_gn_fpn_p6p7_p5") }
    func testDetectronPytorchP2Only() throws { try checkVariant("r50_fpn_p2only") }
    func testBasicBlocksClassifier() throws { try checkVariant("r18_classifier") }
    func testBasicBlocksFPNCaffePool() throws { try checkVariant("r18_fpn_caffe_pool") }
    func testDilationTorchvisionFirstBlockKeepsPrevious() throws { try checkVariant("r50_dilated_torchvision") }
    func testDilationDetectron2EveryBlock() throws { try checkVariant("r50_dilated_detectron2") }
    func testC4WithRes5HeadAndBatchNormEps() throws { try checkVariant("r50_c4") }
    func testTimmDeepStemAvgDown() throws { try checkVariant("resnet50d_timm") }

    /// The same weights run with the stride on the wrong conv must fail, and Parity must say why:
    /// the check is able to fail for the very mistake it exists to catch.
    func testWrongStridePlacementIsCaught() throws {
        let fixture = try ModelFixture("r50_fpn_torchvision")
        var spec = fixture.spec
        spec.strideIn1x1.toggle()
        let computed = try ReferenceModel(tree: try ModelTree(spec: spec), stateDict: fixture.weights).forward(fixture.input)
        let reports = Parity.compare(actual: computed, expected: fixture.expected)
        XCTAssertTrue(reports.first { $0.name == "res2" }?.passes ?? false, "res2 has no stride, so it still matches")
        XCTAssertFalse(reports.first { $0.name == "res3" }?.passes ?? true)
        XCTAssertTrue(Parity.diagnosis(reports)?.contains("stride placement") ?? false, Parity.diagnosis(reports) ?? "")
    }

    /// A wrong BatchNorm eps (1e-5 instead of the fixture's 1e-3) is caught at the default tolerance.
    func testWrongEpsIsCaught() throws {
        let fixture = try ModelFixture("r50_c4")
        var spec = fixture.spec
        spec.norm.eps = 1e-5
        let computed = try ReferenceModel(tree: try ModelTree(spec: spec), stateDict: fixture.weights).forward(fixture.input)
        let reports = Parity.compare(actual: computed, expected: fixture.expected)
        XCTAssertFalse(reports.allSatisfy(\.passes))
    }
}
