import WeightPortBuiltInTables
import Foundation
@testable import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// The tables compiled into the binary are mappings/*.yaml, byte for byte, and are what a
/// command uses unless a folder is named.
final class BuiltInTablesTests: XCTestCase {
    func testBuiltInTablesEqualTheYAMLFiles() throws {
        let folder = TableFilesTests.mappingsFolder
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(MappingCatalog.builtInFiles.map(\.name), files)
        for file in MappingCatalog.builtInFiles {
            let text = try String(contentsOfFile: folder + "/" + file.name, encoding: .utf8)
            XCTAssertEqual(file.text, text, file.name)
        }
    }

    /// Background-last tables name their RoI heads' activations with the predictor rules' own
    /// transforms, so verify puts the hub's outputs into the framework's layout (every transform
    /// a table declares on a predictor rule appears on the matching feature row).
    func testBackgroundLastTablesDeclareTheirActivationLayouts() throws {
        let catalog = try MappingCatalog.builtIn()
        let expected: [String: [String: (String, String)]] = [
            "detectron2": ["roi_heads.box_predictor.cls_score": ("box.cls_score", "background_last"),
                           "roi_heads.box_predictor.bbox_pred": ("box.bbox_pred", "drop_background_box_rows"),
                           "roi_heads.mask_head.predictor": ("mask.logits", "drop_background_mask_channel"),
                           "roi_heads.box_head": ("box.features", "identity")],
            "mmdet": ["roi_head.bbox_head.fc_cls": ("box.cls_score", "background_last"),
                      "roi_head.bbox_head.fc_reg": ("box.bbox_pred", "drop_background_box_rows"),
                      "roi_head.mask_head.conv_logits": ("mask.logits", "drop_background_mask_channel"),
                      "roi_head.bbox_roi_extractor": ("box.pooled", "identity")],
            "detectron": ["cls_score": ("box.cls_score", "identity"), "_[mask]_pool5": ("mask.pooled", "identity"),
                          "res5_pool": ("box.features", "identity")],
        ]
        for (convention, rows) in expected {
            let table = try catalog.table(convention)
            for (name, want) in rows {
                let match = table.featureMatch(name, context: MappingContext())
                XCTAssertEqual(match?.canonical, want.0, "\(convention) \(name)")
                XCTAssertEqual(match?.transform, want.1, "\(convention) \(name)")
            }
        }
    }

    func testBuiltInCatalogHasEveryConvention() throws {
        let builtIn = try MappingCatalog.builtIn()
        XCTAssertNil(builtIn.folder)
        XCTAssertEqual(builtIn.conventions, try MappingCatalog(folder: TableFilesTests.mappingsFolder).conventions)
    }

    func testFolderOverridesEnvironmentWhichOverridesBuiltIn() throws {
        let folder = TableFilesTests.mappingsFolder
        XCTAssertNil(try MappingCatalog.resolve(folder: nil, environment: [:]).folder)
        XCTAssertEqual(try MappingCatalog.resolve(folder: nil, environment: ["WEIGHTPORT_MAPPINGS": folder]).folder, folder)
        XCTAssertThrowsError(try MappingCatalog.resolve(folder: "/nonexistent", environment: ["WEIGHTPORT_MAPPINGS": folder]))
    }

    func testMissingOrEmptyFolderIsNoTables() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("wp-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        for folder in [empty, empty + "/missing"] {
            XCTAssertThrowsError(try MappingCatalog(folder: folder)) { error in
                XCTAssertEqual(error as? MappingError, .noTables(folder: folder))
                XCTAssertEqual((error as? MappingError)?.what, "no mapping tables in \(folder)")
            }
        }
    }
}
