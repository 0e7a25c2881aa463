import WeightPortMapping
import WeightPortTestSupport
import WeightPortVocabulary
import XCTest

/// Every word a table spells decodes into the shared vocabulary; a misspelt one is a table error
/// naming the file, the place, the spellings there are and the line.
final class TableVocabularyTests: XCTestCase {
    func table(_ semantics: String, rule: String = "{canonical: a.weight, foreign: b}") throws -> MappingTable {
        try MappingTable(yaml: """
        convention: t
        semantics:
        \(semantics)
        rules:
          - \(rule)
        """, file: "t.yaml")
    }

    func assertTableError(_ body: @autoclosure () throws -> MappingTable, contains parts: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case .invalidTable(let table, let reason)? = error as? MappingError else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertEqual(table, "t.yaml", file: file, line: line)
            for part in parts { XCTAssertTrue(reason.contains(part), "\(reason) lacks \(part)", file: file, line: line) }
        }
    }

    func testMisspeltNormIsAnErrorWithItsLine() {
        assertTableError(try table("  norm: batchnrom"),
                         contains: ["semantics.norm", "unknown norm kind 'batchnrom'", "frozen_batchnorm", "(line 3)"])
    }

    func testEveryTermIsChecked() {
        assertTableError(try table("  pool1: ceil"), contains: ["unknown pool1 rounding 'ceil'"])
        assertTableError(try table("  input_channels: rgb"), contains: ["unknown input channel order 'rgb'", "RGB"])
        assertTableError(try table("  checkpoint: models"), contains: ["unknown checkpoint layout 'models'"])
        assertTableError(try table("  background_class: middle"), contains: ["unknown background class position"])
        assertTableError(try table("  pickle: blobs"), contains: ["unknown pickle layout 'blobs'", "detectron_blobs"])
        assertTableError(try table("  stem_conv_bias: maybe"), contains: ["unknown stem conv bias use"])
    }

    func testUnknownFlagInARuleOrInFlags() {
        assertTableError(try table("  norm: affine", rule: "{canonical: a.weight, foreign: b, when: [c5]}"),
                         contains: ["rules[1].when", "unknown architecture flag 'c5'", "deep_stem"])
        XCTAssertThrowsError(try MappingTable(yaml: """
        convention: t
        flags:
          gnn: ["*_gn_s"]
        rules:
          - {canonical: a.weight, foreign: b}
        """, file: "t.yaml")) { error in
            let what = (error as? MappingError)?.what ?? ""
            XCTAssertTrue(what.contains("unknown architecture flag 'gnn'") && what.contains("(line 3)"), what)
        }
    }

    func testTermsDecodeTyped() throws {
        let t = try table("""
          norm: frozen_batchnorm
          pool1: caffe
          input_channels: BGR
          checkpoint: state_dict
          pickle: detectron2_model
        """)
        XCTAssertEqual(t.semantics.norm, .frozenBatchnorm)
        XCTAssertEqual(t.semantics.pool1, .caffe)
        XCTAssertEqual(t.semantics.inputChannels, .bgr)
        XCTAssertEqual(t.semantics.checkpoint, .stateDict)
        XCTAssertEqual(t.semantics.pickle, .detectron2Model)
    }
}

/// `background_class` is cross-checked against the predictor rules' transforms.
final class BackgroundClassTests: XCTestCase {
    func table(_ background: String, transform: String?) throws -> MappingTable {
        let suffix = transform.map { ", transform: \($0)" } ?? ""
        return try MappingTable(yaml: """
        convention: t
        semantics:
          background_class: \(background)
        rules:
          - {canonical: "roi_heads.box_predictor.cls_score.{p:weight|bias}", foreign: "cls.{p:weight|bias}"\(suffix)}
        """, file: "t.yaml")
    }

    func testDeclaredAndTransformedAgree() throws {
        XCTAssertNoThrow(try table("last", transform: "background_last"))
        XCTAssertNoThrow(try table("first", transform: nil))
    }

    func testLastWithoutTheMoveIsAnError() {
        XCTAssertThrowsError(try table("last", transform: nil)) { error in
            XCTAssertTrue((error as? MappingError)?.what.contains("copies the predictor unchanged") == true, "\(error)")
        }
    }

    func testMoveWithoutLastIsAnError() {
        XCTAssertThrowsError(try table("first", transform: "background_last")) { error in
            XCTAssertTrue((error as? MappingError)?.what.contains("moves the background class") == true, "\(error)")
        }
    }

    /// Every shipped table passes the check (detectron2 and mmdet move, the others do not).
    func testShippedTablesDeclareTheirBackground() throws {
        let folder = Fixtures.root.deletingLastPathComponent().appendingPathComponent("mappings").path
        let catalog = try MappingCatalog(folder: folder)
        XCTAssertEqual(try catalog.table("detectron2").semantics.backgroundClass, .last)
        XCTAssertEqual(try catalog.table("mmdet").semantics.backgroundClass, .last)
        XCTAssertEqual(try catalog.table("torchvision").semantics.backgroundClass, .first)
        XCTAssertEqual(catalog.containerKeys, ["model", "state_dict", "model_state", "module"])
    }
}
