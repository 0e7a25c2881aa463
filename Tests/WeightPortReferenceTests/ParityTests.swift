import XCTest
import WeightPortReference

/// The comparison itself: errors, worst index, verdicts, diagnosis.
final class ParityTests: XCTestCase {
    func testMeasuresErrorsRelativeToLargestMagnitude() {
        let expected: [Float] = [1, -4, 2, 0.5]
        let actual: [Float] = [1, -4.002, 2, 0.5]
        let report = Parity.compare(name: "res2", actual: actual, shape: [1, 1, 2, 2], expected: expected,
                                    expectedShape: [1, 1, 2, 2])
        XCTAssertEqual(report.worstIndex, 1)
        // Float32 spacing near 4 is 4.8e-7, so the computed difference lies within 1e-6 of 0.002.
        XCTAssertEqual(report.maxAbsoluteError, 0.002, accuracy: 1e-6)
        XCTAssertEqual(report.maxRelativeError, 0.0005, accuracy: 1e-6)
        XCTAssertFalse(report.passes, "5e-4 exceeds the 1e-4 default")
        XCTAssertTrue(Parity.compare(name: "res2", actual: actual, shape: [4], expected: expected, expectedShape: [4],
                                     tolerance: 1e-3).passes)
        XCTAssertGreaterThan(report.cosineSimilarity, 0.99999)
    }

    func testShapeMismatchAndNaNFail() {
        let shape = Parity.compare(name: "stem", actual: [1, 2], shape: [1, 2], expected: [1, 2], expectedShape: [2, 1])
        XCTAssertFalse(shape.passes)
        XCTAssertNil(shape.worstIndex)
        let nan = Parity.compare(name: "p2", actual: [1, .nan], shape: [2], expected: [1, 2], expectedShape: [2])
        XCTAssertFalse(nan.passes)
        XCTAssertEqual(nan.worstIndex, 1)
    }

    func testDiagnosisNamesFirstDivergenceAndLikelyCause() {
        let same: [Float] = [1, 2, 3]
        let ok = Parity.compare(name: "res2", actual: same, shape: [3], expected: same, expectedShape: [3])
        let scaled = Parity.compare(name: "res3", actual: same.map { $0 * 1.01 }, shape: [3], expected: same, expectedShape: [3])
        let stem = Parity.compare(name: "stem", actual: [3, 2, 1], shape: [3], expected: same, expectedShape: [3])
        XCTAssertNil(Parity.diagnosis([ok]))
        XCTAssertTrue(Parity.diagnosis([ok, scaled])?.contains("stride placement") ?? false)
        XCTAssertTrue(Parity.diagnosis([stem, ok])?.hasPrefix("stem") ?? false)
        XCTAssertTrue(Parity.diagnosis([stem])?.contains("channel order") ?? false)
    }
}
