import Foundation
import WeightPortCore
import XCTest

final class UTCTimestampTests: XCTestCase {
    /// The bundle's `created` attribute kept the spelling of Foundation's formatter it replaces.
    func testMatchesFoundationsISO8601Formatter() {
        let formatter = ISO8601DateFormatter()
        for seconds in [0, 59, 951_782_400, 1_709_164_799, 1_796_025_600, 1_796_110_812, 4_102_444_799] {
            XCTAssertEqual(UTCTimestamp.format(secondsSinceEpoch: seconds),
                           formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))), "\(seconds)")
        }
        XCTAssertEqual(UTCTimestamp.format(secondsSinceEpoch: 1_796_110_812), "2026-12-01T07:40:12Z")
    }

    func testNowIsTheClock() {
        let before = Int(Date().timeIntervalSince1970)
        let stamp = UTCTimestamp.now()
        let after = Int(Date().timeIntervalSince1970)
        XCTAssertTrue((before...after).map { UTCTimestamp.format(secondsSinceEpoch: $0) }.contains(stamp), stamp)
    }
}
