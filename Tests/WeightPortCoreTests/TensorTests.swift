import XCTest
import WeightPortCore

final class TensorTests: XCTestCase {
    func testViewOutsideStorageIsRejected() {
        let storage = ByteRegion(copying: [UInt8](repeating: 0, count: 24))
        XCTAssertThrowsError(try Tensor(dtype: .float32, shape: [2, 4], storage: storage, name: "w")) { error in
            XCTAssertEqual(error as? FormatError, .storageOverflow(tensor: "w", neededBytes: 32, availableBytes: 24))
        }
    }

    func testTransposedViewGathersInCOrder() throws {
        let values: [Float] = [0, 1, 2, 3, 4, 5]  // 2x3
        let base = Tensor(float32: values, shape: [2, 3])
        let transposed = try Tensor(dtype: .float32, shape: [3, 2], strides: [1, 3], storage: base.storage)
        XCTAssertFalse(transposed.isContiguous)
        XCTAssertEqual(transposed.floats(), [0, 3, 1, 4, 2, 5])
    }

    func testBigEndianFloatsAreSwapped() throws {
        let storage = ByteRegion(copying: [0x3F, 0x80, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00])
        let t = try Tensor(dtype: .float32, shape: [2], byteOrder: .big, storage: storage)
        XCTAssertEqual(t.floats(), [1, -2])
    }

    func testHalfAndBFloat16Decoding() {
        XCTAssertEqual(ElementDecoder.halfToFloat(0x3C00), 1)
        XCTAssertEqual(ElementDecoder.halfToFloat(0xC000), -2)
        XCTAssertEqual(ElementDecoder.halfToFloat(0x0001), 0x1p-24)  // smallest subnormal
        XCTAssertTrue(ElementDecoder.halfToFloat(0x7C00).isInfinite)
        XCTAssertEqual(ElementDecoder.bfloat16ToFloat(0x3FC0), 1.5)
        XCTAssertEqual(ElementDecoder.floatToHalf(1.5), 0x3E00)
    }

    func testStatisticsMatchTwoPassFormula() {
        // 1e6 + small spread: a naive sum-of-squares in Float would lose the spread entirely.
        let values: [Float] = (0..<600_000).map { 1_000_000 + Float($0 % 7) }
        let stats = TensorStatistics.compute(Tensor(float32: values, shape: [values.count]))
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        XCTAssertEqual(stats.min, 1_000_000)
        XCTAssertEqual(stats.max, 1_000_006)
        XCTAssertEqual(stats.mean, mean, accuracy: 1e-9 * mean)   // float64 accumulation
        XCTAssertEqual(stats.std, variance.squareRoot(), accuracy: 1e-9)
    }
}

final class TensorOverflowTests: XCTestCase {
    func testHugeShapesAreRejectedNotTrapped() {
        let storage = ByteRegion(copying: [UInt8](repeating: 0, count: 16))
        XCTAssertThrowsError(try Tensor(dtype: .float32, shape: [1 << 40, 1 << 40], storage: storage, name: "w"))
        XCTAssertThrowsError(try Tensor(dtype: .float32, shape: [0, 1 << 40, 1 << 40], storage: storage, name: "w"))
        XCTAssertThrowsError(try Tensor(dtype: .float64, shape: [1 << 62], storage: storage, name: "w"))
    }
}
