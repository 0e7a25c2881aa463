import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// Every table in mappings/ loads, validates, and reads its own canonical names back.
final class TableFilesTests: XCTestCase {
    static var mappingsFolder: String { Fixtures.root.deletingLastPathComponent().appendingPathComponent("mappings").path }

    func testEveryTableLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.mappingsFolder).filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(Set(files), ["canonical.yaml", "detectron.yaml", "caffe.yaml", "torchvision.yaml", "maskrcnn-benchmark.yaml",
                                    "detectron.pytorch.yaml", "detectron2.yaml", "mmdet.yaml", "timm.yaml"])
        for file in files {
            let table = try MappingTable.load(path: Self.mappingsFolder + "/" + file)
            XCTAssertEqual(table.convention + ".yaml", file)
            XCTAssertFalse(table.rules.isEmpty)
        }
    }

    func testCaffeBatchNormGroupsFiveBlobsIntoOneNorm() throws {
        let table = try MappingTable.load(path: Self.mappingsFolder + "/caffe.yaml")
        let names = ["conv1/0", "conv1/1", "bn_conv1/0", "bn_conv1/1", "bn_conv1/2", "scale_conv1/0", "scale_conv1/1",
                     "res4b22_branch2c/0", "bn4b22_branch2c/0", "bn4b22_branch2c/1", "bn4b22_branch2c/2",
                     "scale4b22_branch2c/0", "scale4b22_branch2c/1", "scale4b22_branch2c/1x"]
        let mapping = try NameMapper.map(names, table: table, context: .stages([2: 3, 3: 4, 4: 23, 5: 3]),
                                         direction: .foreignToCanonical)
        XCTAssertEqual(mapping.unknown, ["scale4b22_branch2c/1x"])
        let norm = try XCTUnwrap(mapping.groups.first { $0.foreign["mean"] == "bn4b22_branch2c/0" })
        XCTAssertEqual(norm.rule.transform, "caffe_batchnorm")
        XCTAssertEqual(norm.canonical["running_var"], "res4.22.conv3.norm.running_var")
        XCTAssertEqual(norm.foreign["beta"], "scale4b22_branch2c/1")
        XCTAssertEqual(mapping.groups.count, 5)   // conv1 weight+bias, stem norm, res4.22 conv3 + its norm
    }

    func testMissingScaleLayerIsReportedIncomplete() throws {
        let table = try MappingTable.load(path: Self.mappingsFolder + "/caffe.yaml")
        let mapping = try NameMapper.map(["bn_conv1/0", "bn_conv1/1", "bn_conv1/2"], table: table,
                                         context: MappingContext(), direction: .foreignToCanonical)
        XCTAssertEqual(mapping.groups.count, 0)
        XCTAssertEqual(mapping.incomplete.first?.missing, ["scale_conv1/1", "scale_conv1/0"].sorted())
    }

    func testModulePrefixIsOptionalForMaskrcnnBenchmark() throws {
        let table = try MappingTable.load(path: Self.mappingsFolder + "/maskrcnn-benchmark.yaml")
        let names = ["module.backbone.body.layer1.0.conv1.weight", "module.rpn.head.cls_logits.bias"]
        let mapping = try NameMapper.map(names, table: table, context: MappingContext(), direction: .foreignToCanonical)
        XCTAssertEqual(mapping.groups.map { $0.canonical["tensor"]! }, ["res2.0.conv1.weight", "proposal_generator.rpn_head.objectness_logits.bias"])
        XCTAssertEqual(mapping.groups.map { $0.foreign["tensor"]! }, names)
    }
}

final class TableCheckerTests: XCTestCase {
    func testShippedTablesPassTheirOwnCheck() throws {
        let catalog = try MappingCatalog(folder: TableFilesTests.mappingsFolder)
        for table in catalog.tables {
            XCTAssertEqual(TableChecker.check(table).map(\.description), [], table.convention)
        }
    }

    func testOverlappingRulesAreCaught() throws {
        let yaml = """
        convention: broken
        rules:
          - {canonical: "res{s}.{b}.conv1.weight", foreign: "layer{s}.{b}.conv1.weight"}
          - {canonical: "res{s}.0.conv1.weight", foreign: "layer{s}.0.conv1.weight"}
        """
        let problems = TableChecker.check(try MappingTable(yaml: yaml, file: "broken.yaml"))
        XCTAssertFalse(problems.isEmpty)
        XCTAssertTrue(problems.contains { $0.message.contains("several rules") }, "\(problems)")
    }
}

final class FeatureNameTests: XCTestCase {
    func testFrameworkFeatureNamesMapToCanonical() throws {
        let catalog = try MappingCatalog(folder: TableFilesTests.mappingsFolder)
        let r50 = MappingContext.stages([2: 3, 3: 4, 4: 6, 5: 3])
        let tv = try catalog.table("torchvision"), dt = try catalog.table("detectron"), caffe = try catalog.table("caffe")
        XCTAssertEqual(tv.canonicalFeature("layer3", context: r50), "res4")
        XCTAssertEqual(tv.canonicalFeature("0", context: r50), "p2")
        XCTAssertEqual(tv.canonicalFeature("pool", context: r50), "p6")
        XCTAssertEqual(dt.canonicalFeature("res4_5_sum", context: r50), "res4")
        XCTAssertEqual(dt.canonicalFeature("fpn_res2_2_sum", context: r50), "p2")
        XCTAssertNil(dt.canonicalFeature("res4_22_sum", context: r50), "R-101's name under R-50 depths")
        XCTAssertEqual(caffe.canonicalFeature("res4f", context: r50), "res4")
        XCTAssertEqual(caffe.canonicalFeature("res4b22", context: .stages([2: 3, 3: 4, 4: 23, 5: 3])), "res4")
    }
}
