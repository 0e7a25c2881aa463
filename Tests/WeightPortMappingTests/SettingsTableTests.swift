import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// The `settings:` section decodes into typed entries; an unknown setting, key or value word is a
/// table error with its line, like every other part of a table.
final class SettingsTableTests: XCTestCase {
    func table(_ settings: String) throws -> MappingTable {
        try MappingTable(yaml: """
        convention: t
        rules:
          - {canonical: a.weight, foreign: b}
        settings:
        \(settings)
        """, file: "t.yaml")
    }

    func assertTableError(_ settings: String, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try table(settings), file: file, line: line) { error in
            let what = (error as? MappingError)?.what ?? "\(error)"
            for part in parts { XCTAssertTrue(what.contains(part), "\(what) lacks \(part)", file: file, line: line) }
        }
    }

    func testDecodesTyped() throws {
        let t = try table("""
          how: "config keys"
          box.roi_align: {key: MODEL.ROI_BOX_HEAD.POOLER_TYPE, values: {legacy: ROIAlign, aligned: ROIAlignV2}}
          stride_in_1x1: {key: S, values: {true: "True", false: "False"}}
          box.num_classes: {key: N, counts_background: false, default: "80"}
          canonical_scale: {key: F, mask_key: G, at_level: 2}
          level_rule: {cannot: "fixed"}
        """)
        let s = try XCTUnwrap(t.settings)
        XCTAssertEqual(s.how, "config keys")
        XCTAssertEqual(s.entries[.boxRoIAlign]?.values, ["legacy": "ROIAlign", "aligned": "ROIAlignV2"])
        XCTAssertEqual(s.entries[.strideIn1x1]?.values["true"], "True")
        XCTAssertEqual(s.entries[.boxNumClasses]?.countsBackground, false)
        XCTAssertEqual(s.entries[.boxNumClasses]?.defaultValue, "80")
        XCTAssertEqual(s.entries[.canonicalScale]?.atLevel, 2)
        XCTAssertEqual(s.entries[.canonicalScale]?.maskKey, "G")
        XCTAssertNil(s.entries[.levelRule]?.key)
        XCTAssertEqual(s.entries[.levelRule]?.cannot, "fixed")
    }

    func testUnknownSettingNameWithItsLine() {
        assertTableError("  box.pooler: {key: X}", contains: ["settings", "unknown setting 'box.pooler'", "box.roi_align", "(line 5)"])
    }

    func testUnknownValueWordWithItsLine() {
        assertTableError("  box.roi_align: {key: X, values: {legacy: A, alligned: B}}",
                         contains: ["settings.box.roi_align.values", "unknown value 'alligned'", "aligned", "(line 5)"])
        assertTableError("  input_channels: {key: X, values: {bgr: A}}", contains: ["unknown value 'bgr'", "BGR"])
    }

    func testEntryShapeIsChecked() {
        assertTableError("  box.sampling_ratio: {note: x}", contains: ["settings.box.sampling_ratio", "needs key or cannot"])
        assertTableError("  box.roi_align: {key: X}", contains: ["needs values"])
        assertTableError("  box.sampling_ratio: {key: X, values: {a: b}}", contains: ["values: only for"])
        assertTableError("  box.sampling_ratio: {key: X, format: \"n\"}", contains: ["format must contain {}"])
        assertTableError("  box.num_classes: {key: X}", contains: ["needs counts_background"])
        assertTableError("  keypoint_head: {key: X}", contains: ["has no key, only cannot"])
        assertTableError("  box.sampling_ratio: {key: X, at_level: 2}", contains: ["at_level: only for canonical_scale"])
        assertTableError("  box.sampling_ratio: {key: X, mask_key: Y}", contains: ["mask_key/keypoint_key"])
        assertTableError("  box.sampling_ratio: {key: X, colour: red}", contains: ["unknown key 'colour'"])
        assertTableError("  box.sampling_ratio: {key: X, c4_shares_box_pooler: true}", contains: ["only for the mask pooler"])
        assertTableError("  pool1: {key: X, values: {ceil: a}}", contains: ["unknown value 'ceil'", "caffe"])
    }

    /// Every shipped table that names a framework says how to set its settings.
    func testShippedTablesDeclareSettings() throws {
        let folder = Fixtures.root.deletingLastPathComponent().appendingPathComponent("mappings").path
        let catalog = try MappingCatalog(folder: folder)
        for name in ["detectron", "detectron.pytorch", "maskrcnn-benchmark", "torchvision", "detectron2", "mmdet"] {
            let settings = try XCTUnwrap(try catalog.table(name).settings, name)
            for setting in [SettingName.boxRoIAlign, .boxSamplingRatio, .levelRule, .keypointUpsampling, .pixelMean, .strideIn1x1] {
                let covered = settings.entries[setting] != nil
                    || (setting == .keypointUpsampling && settings.entries[.keypointHead]?.cannot != nil)
                XCTAssertTrue(covered, "\(name) lacks \(setting.rawValue)")
            }
        }
        XCTAssertNil(try catalog.table("canonical").settings)
    }
}
