import Foundation
import XCTest
@testable import WeightPortCore

/// `Parallel.forEach` on the spinning pool (`wp_pool_run`): every index exactly once, loops back to
/// back (the helpers still spinning, then asleep), nested loops and loops from several threads.
final class ParallelTests: XCTestCase {
    /// Calls per index; each index is written by the one call that runs it, so no two threads share a slot.
    private final class Hits: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Int>
        let size: Int
        init(_ size: Int) {
            self.size = size
            counts = .allocate(capacity: size)
            counts.initialize(repeating: 0, count: size)
        }
        deinit { counts.deallocate() }
        var values: [Int] { Array(UnsafeBufferPointer(start: counts, count: size)) }
    }

    func testEveryIndexOnceBackToBackAndAfterSleeping() {
        for (round, count) in [2, 3, 8, 1000, 2, 17].enumerated() {
            let hits = Hits(count)
            Parallel.forEach(count) { hits.counts[$0] += 1 }
            XCTAssertEqual(hits.values, Array(repeating: 1, count: count), "count \(count)")
            // Once, long enough for the helpers to go to sleep: the next loop must wake them.
            if round == 3 { usleep(5_000) }
        }
    }

    func testNestedLoopsRunInline() {
        let outer = 4, inner = 5
        let hits = Hits(outer * inner)
        Parallel.forEach(outer) { i in
            Parallel.forEach(inner) { j in hits.counts[i * inner + j] += 1 }
        }
        XCTAssertEqual(hits.values, Array(repeating: 1, count: outer * inner))
    }

    func testLoopsFromSeveralThreads() {
        let threads = 4, count = 64, repeats = 50
        let hits = Hits(threads * count)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for _ in 0..<repeats {
                Parallel.forEach(count) { hits.counts[t * count + $0] += 1 }
            }
        }
        XCTAssertEqual(hits.values, Array(repeating: repeats, count: threads * count))
    }

    func testMapKeepsOrder() {
        XCTAssertEqual(Parallel.map(100) { $0 * $0 }, (0..<100).map { $0 * $0 })
    }
}
