import WeightPortCore
import XCTest

final class BackgroundValueTests: XCTestCase {
    private struct Failed: Error, Equatable {}

    func testValueIsComputedOnceAndReturnedToEveryCaller() throws {
        let value = BackgroundValue { (1...1000).reduce(0, +) }
        XCTAssertEqual(try value.get(), 500_500)
        XCTAssertEqual(try value.get(), 500_500, "a second get returns at once with the same value")
    }

    func testErrorIsRethrownByEveryGet() {
        let value = BackgroundValue<Int> { throw Failed() }
        XCTAssertThrowsError(try value.get()) { XCTAssertEqual($0 as? Failed, Failed()) }
        XCTAssertThrowsError(try value.get()) { XCTAssertEqual($0 as? Failed, Failed()) }
    }
}
