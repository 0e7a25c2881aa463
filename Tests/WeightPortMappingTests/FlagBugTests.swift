import WeightPortMapping
import WeightPortTestSupport
import WeightPortVocabulary
import XCTest

/// Flags a file's own names reveal, for the two cases the tables got wrong before the vocabulary:
/// Detectron RetinaNet's P6/P7 features, and mmdetection's ResNetV1c (deep stem, plain shortcut).
final class FlagBugTests: XCTestCase {
    func load(_ convention: String) throws -> MappingTable {
        try MappingTable.load(path: Fixtures.root.deletingLastPathComponent().appendingPathComponent("mappings/\(convention).yaml").path)
    }

    /// `fpn_6`/`fpn_7` name P6/P7 only in RetinaNet files (`when: [retinanet]`); that flag used to be
    /// revealed by no name, so the rule could never apply when reading.
    func testDetectronRetinaNetFeaturesApply() throws {
        let table = try load("detectron")
        let retina = ConventionDetector.context(for: ["conv1_w", "res2_0_branch2a_w", "fpn_6_w", "fpn_6_b", "fpn_7_w"], table: table)
        XCTAssertTrue(retina.flags.contains(.retinanet))
        XCTAssertEqual(table.canonicalFeature("fpn_7", context: retina), "p7")
        XCTAssertEqual(table.canonicalFeature("fpn_6", context: retina), "p6")
        let maskRCNN = ConventionDetector.context(for: ["conv1_w", "res2_0_branch2a_w", "fc6_w"], table: table)
        XCTAssertFalse(maskRCNN.flags.contains(.retinanet))
        XCTAssertNil(table.canonicalFeature("fpn_7", context: maskRCNN))
    }

    /// ResNetV1c: `backbone.stem.*` with the shortcut conv at `downsample.0` (no AvgPool). Reading
    /// `deep_stem` as `avg_down` too mapped its shortcut norm to `downsample.2`, which it lacks.
    func testMmdetDeepStemWithoutAvgDown() throws {
        let table = try load("mmdet")
        let v1c = ["backbone.stem.0.weight", "backbone.stem.1.weight", "backbone.layer1.0.conv1.weight",
                   "backbone.layer1.0.downsample.0.weight", "backbone.layer1.0.downsample.1.weight",
                   "backbone.layer1.0.downsample.1.running_var"]
        let context = ConventionDetector.context(for: v1c, table: table)
        XCTAssertEqual(context.flags.intersection([.deepStem, .avgDown]), [.deepStem])
        let mapping = try NameMapper.map(v1c, table: table, context: context, direction: .foreignToCanonical)
        let canonical = Set(mapping.groups.flatMap { $0.canonical.values })
        XCTAssertTrue(canonical.isSuperset(of: ["res2.0.shortcut.weight", "res2.0.shortcut.norm.weight",
                                                "res2.0.shortcut.norm.running_var", "stem.conv1.weight"]), "\(canonical)")
        XCTAssertTrue(mapping.unknown.isEmpty, "\(mapping.unknown)")

        let v1d = v1c.map { $0.replacingOccurrences(of: "downsample.1", with: "downsample.2")
            .replacingOccurrences(of: "downsample.0", with: "downsample.1") }
        let d = ConventionDetector.context(for: v1d, table: table)
        XCTAssertEqual(d.flags.intersection([.deepStem, .avgDown]), [.deepStem, .avgDown])
        let dMapping = try NameMapper.map(v1d, table: table, context: d, direction: .foreignToCanonical)
        XCTAssertTrue(Set(dMapping.groups.flatMap { $0.canonical.values }).contains("res2.0.shortcut.norm.weight"))
        XCTAssertTrue(dMapping.unknown.isEmpty, "\(dMapping.unknown)")
    }
}

/// Per-stage table conditions (`if_in` / `unless_in`): maskrcnn-benchmark names a deformable
/// stage's conv2 `conv2.conv.weight` and a plain stage's `conv2.weight`.
final class TableConditionTests: XCTestCase {
    func testDeformableStagesChooseTheirConv2Name() throws {
        let table = try MappingTable.load(path: Fixtures.root.deletingLastPathComponent().appendingPathComponent("mappings/maskrcnn-benchmark.yaml").path)
        var context = MappingContext.stages([2: 1, 3: 1, 4: 1, 5: 1])
        context.tables["deformable"] = [3: 1, 4: 1, 5: 1]
        let names = ["res2.0.conv2.weight", "res3.0.conv2.weight", "res3.0.conv2_offset.weight"]
        let written = try NameMapper.map(names, table: table, context: context, direction: .canonicalToForeign)
        XCTAssertEqual(Set(written.groups.flatMap { $0.foreign.values }),
                       ["backbone.body.layer1.0.conv2.weight", "backbone.body.layer2.0.conv2.conv.weight",
                        "backbone.body.layer2.0.conv2.offset.weight"])
        // Reading needs no table: the two spellings are distinct names.
        let read = try NameMapper.map(["backbone.body.layer1.0.conv2.weight", "backbone.body.layer2.0.conv2.conv.weight"],
                                      table: table, context: MappingContext(), direction: .foreignToCanonical)
        XCTAssertEqual(Set(read.groups.flatMap { $0.canonical.values }), ["res2.0.conv2.weight", "res3.0.conv2.weight"])
        XCTAssertTrue(TableChecker.check(table).isEmpty, "\(TableChecker.check(table))")
    }
}
