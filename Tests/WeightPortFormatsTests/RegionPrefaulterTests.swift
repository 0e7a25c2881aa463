import WeightPortCore
@testable import WeightPortFormats
import XCTest

/// The prefaulter walks the regions laid end to end in 2 MiB steps, each within one region,
/// skipping missing and empty ones.
final class RegionPrefaulterTests: XCTestCase {
    private let mib = 1 << 20

    func testStepsCoverEveryRegionInPieces() {
        let sizes = [3 * mib, 0, mib + 5]
        var regions: [ByteRegion?] = sizes.map { ByteRegion(copying: [UInt8](repeating: 7, count: $0)) }
        regions.insert(nil, at: 1)
        var prefaulter = RegionPrefaulter(regions)
        var positions: [Int] = []
        while prefaulter.step() { positions.append(prefaulter.position) }
        XCTAssertEqual(positions, [2 * mib, 3 * mib, 4 * mib + 5])
        XCTAssertTrue(prefaulter.isDone)
        XCTAssertFalse(prefaulter.step())
    }

    func testRunStopsOnceThePositionIsCovered() {
        let regions: [ByteRegion?] = [ByteRegion(copying: [UInt8](repeating: 1, count: 5 * mib))]
        var prefaulter = RegionPrefaulter(regions)
        prefaulter.run(through: 1)
        XCTAssertEqual(prefaulter.position, 2 * mib, "one piece covers the first byte")
        prefaulter.run(through: 2 * mib + 1)
        XCTAssertEqual(prefaulter.position, 4 * mib)
        prefaulter.run(through: 100 * mib)
        XCTAssertEqual(prefaulter.position, 5 * mib)
        XCTAssertTrue(prefaulter.isDone)
    }
}
