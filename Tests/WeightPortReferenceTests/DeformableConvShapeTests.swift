import XCTest
import WeightPortModels

/// What an offset conv's row count reveals about a DCN layer (names and shapes only).
final class DeformableConvShapeTests: XCTestCase {
    func testUnambiguousRowCounts() {
        XCTAssertEqual(DeformableConvShape.interpretations(offsetRows: 18, kernel: 3, inChannels: 256),
                       [DeformableConvShape(modulated: false, deformableGroups: 1)])
        XCTAssertEqual(DeformableConvShape.interpretations(offsetRows: 27, kernel: 3, inChannels: 256),
                       [DeformableConvShape(modulated: true, deformableGroups: 1)])
        XCTAssertEqual(DeformableConvShape.interpretations(offsetRows: 72, kernel: 3, inChannels: 256),
                       [DeformableConvShape(modulated: false, deformableGroups: 4)])
    }

    /// 108 rows: mmdet's DCNv2 with 4 groups, or DCNv1 with 6; the shapes alone cannot decide.
    func testAmbiguousRowCounts() {
        XCTAssertEqual(DeformableConvShape.interpretations(offsetRows: 108, kernel: 3, inChannels: 192),
                       [DeformableConvShape(modulated: true, deformableGroups: 4),
                        DeformableConvShape(modulated: false, deformableGroups: 6)])
        XCTAssertEqual(DeformableConvShape.interpretations(offsetRows: 108, kernel: 3, inChannels: 256),
                       [DeformableConvShape(modulated: true, deformableGroups: 4)], "6 does not divide 256 channels")
        XCTAssertEqual(DeformableConvShape.interpretations(offsetRows: 20, kernel: 3, inChannels: 64), [])
    }

    func testConvGroupsFromWeight() {
        XCTAssertEqual(DeformableConvShape.convGroups(weightShape: [256, 256, 3, 3], inChannels: 256), 1)
        XCTAssertEqual(DeformableConvShape.convGroups(weightShape: [256, 8, 3, 3], inChannels: 256), 32)
        XCTAssertNil(DeformableConvShape.convGroups(weightShape: [256, 7, 3, 3], inChannels: 256))
    }
}
