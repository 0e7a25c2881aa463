@testable import WeightPort
import WeightPortMapping
import WeightPortVocabulary
import XCTest

/// Table defaults, overridden by the file's config, overridden by options — and which one each
/// value came from.
final class EffectiveSemanticsTests: XCTestCase {
    var table: ConventionSemantics {
        var semantics = ConventionSemantics()
        semantics.strideInFirst1x1 = false
        semantics.pool1 = .pytorch
        semantics.inputChannels = .rgb
        var heads = HeadSemantics()
        heads.box = .init(resolution: 7, samplingRatio: 0)
        heads.roiAlign = .aligned
        semantics.heads = heads
        return semantics
    }

    func caffeConfig() throws -> CheckpointConfig {
        try MMDetConfigReader.read("model = dict(backbone=dict(type='ResNet', style='caffe'))\n", origin: "meta.cfg")
    }

    func testTableOnly() throws {
        let effective = try EffectiveSemantics.resolve(table: table, config: nil, flags: [], options: .init())
        XCTAssertEqual(effective.semantics, table)
        XCTAssertEqual(effective.provenance, ["stride_in_1x1": "table", "pool1": "table", "input_channels": "table",
                                              "heads.box": "table", "heads.roi_align": "table"])
    }

    func testFileBeatsTableAndOptionBeatsFile() throws {
        let config = try caffeConfig()
        let fromFile = try EffectiveSemantics.resolve(table: table, config: config, flags: [], options: .init())
        XCTAssertEqual(fromFile.semantics.strideInFirst1x1, true)
        XCTAssertEqual(fromFile.provenance["stride_in_1x1"], "file")
        XCTAssertEqual(fromFile.provenance["pool1"], "table")
        let fromOption = try EffectiveSemantics.resolve(table: table, config: config, flags: [], options: .init(strideIn1x1: false))
        XCTAssertEqual(fromOption.provenance["stride_in_1x1"], "option")
    }

    /// `style=some_variable` cannot be read: an error naming the setting, unless an option gives the stride.
    func testOpaqueStyleFailsUnlessAnOptionGivesIt() throws {
        let config = try MMDetConfigReader.read("model = dict(backbone=dict(type='ResNet', style=STYLE))\n", origin: "meta.cfg")
        XCTAssertThrowsError(try EffectiveSemantics.resolve(table: table, config: config, flags: [], options: .init())) { error in
            XCTAssertEqual(error as? ConfigTextError, .opaqueSetting(key: "model.backbone.style", text: "STYLE"))
        }
        let given = try EffectiveSemantics.resolve(table: table, config: config, flags: [], options: .init(strideIn1x1: true))
        XCTAssertEqual(given.provenance["stride_in_1x1"], "option")
    }

    /// The class count the config states is checked against the predictor the file holds.
    func testClassCountAgainstThePredictor() throws {
        let config = try DetectronConfigReader.read("MODEL: {NUM_CLASSES: 81}\n", isC4: false)
        let agrees = try EffectiveSemantics.resolve(table: table, config: config, flags: [], options: .init(), classifierRows: 81)
        XCTAssertEqual(agrees.warnings, [])
        let keypoints = try EffectiveSemantics.resolve(table: table, config: config, flags: [], options: .init(), classifierRows: 2)
        XCTAssertEqual(keypoints.warnings, ["checkpoint config: 80 object classes, but the box predictor has 1 (+ background); the tensors are followed"])
    }

    /// The tensors decide the structure; a config that contradicts the names is reported.
    func testConfigContradictingTheNamesIsReported() throws {
        let config = try MMDetConfigReader.read("model = dict(backbone=dict(type='ResNetV1d'))\n", origin: "meta.cfg")
        let effective = try EffectiveSemantics.resolve(table: table, config: config, flags: [.deepStem], options: .init())
        XCTAssertEqual(effective.warnings.count, 1, "\(effective.warnings)")
        XCTAssertTrue(effective.warnings[0].contains("projection shortcuts"), effective.warnings[0])
    }
}
