@testable import WeightPort
import WeightPortMapping
import WeightPortReference
import XCTest

/// The reference pass's head settings from declared semantics: a C4 mask branch gets its own
/// pooler where the semantics declare one (`heads.c4_mask`), the box head's otherwise.
final class HeadRunSettingsTests: XCTestCase {
    func testC4MaskBranchTakesTheMaskPoolerWhenDeclared() throws {
        let detectron = try XCTUnwrap(DefaultMappingTables.catalog().table("detectron").semantics.heads)
        XCTAssertEqual(detectron.c4Mask, HeadSemantics.Pooler(resolution: 14, samplingRatio: 0), "detectron.yaml declares the C4 mask pooler")
        var semantics = detectron
        semantics.c4 = HeadSemantics.Pooler(resolution: 14, samplingRatio: 2)
        let settings = HeadRunSettings.settings(semantics, boxes: [])
        XCTAssertEqual(settings.c4, HeadSettings.Pooler(resolution: 14, samplingRatio: 2), "the box head: FAST_RCNN's")
        XCTAssertEqual(settings.c4MaskPooler, HeadSettings.Pooler(resolution: 14, samplingRatio: 0), "the mask branch: MRCNN's")

        var shared = semantics
        shared.c4Mask = nil
        let sharedSettings = HeadRunSettings.settings(shared, boxes: [])
        XCTAssertNil(sharedSettings.c4Mask)
        XCTAssertEqual(sharedSettings.c4MaskPooler, HeadSettings.Pooler(resolution: 14, samplingRatio: 2), "none declared: the box head's")
    }
}
