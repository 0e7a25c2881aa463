import Foundation
import WeightPortCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class HelperThreadTests: XCTestCase {
    /// The nice value of the calling thread (Linux keeps it per thread).
    private static func threadNice() -> Int32 { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }

    private static func schedule() -> (policy: Int32, priority: Int32) {
        var policy: Int32 = 0
        var param = sched_param()
        pthread_getschedparam(pthread_self(), &policy, &param)
        return (policy, param.sched_priority)
    }

    /// Runs `body` on a helper started from a thread that first runs `setUp`; returns what
    /// `body` returned, or nil when `setUp` refused (no permission for real-time scheduling).
    private func helperStarted<T: Sendable>(after setUp: @escaping @Sendable () -> Bool,
                                            _ body: @escaping @Sendable () -> T) -> T?? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: T??
        let creator = Thread {
            guard setUp() else { result = .some(nil); done.signal(); return }
            HelperThread.detach {
                result = .some(body())
                done.signal()
            }
        }
        creator.start()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        return result
    }

    func testHelperRunsFiveNiceStepsBelowItsCreator() throws {
        let outside = Self.threadNice()
        let inside = try XCTUnwrap(helperStarted(after: { true }) { Self.threadNice() } ?? nil)
        XCTAssertEqual(inside, min(outside + 5, 19))
        XCTAssertEqual(Self.threadNice(), outside, "the creator keeps its own priority")
    }

    func testRealTimeHelperRunsOneStepBelowAndLeavesTheLowestStep() throws {
        func realTime(_ priority: Int32) -> @Sendable () -> Bool {
            { var param = sched_param(sched_priority: priority)
              return pthread_setschedparam(pthread_self(), Int32(SCHED_FIFO), &param) == 0 }
        }
        guard let fromTen = helperStarted(after: realTime(10), { Self.schedule() }), let lowered = fromTen else {
            throw XCTSkip("real-time scheduling is not permitted here")
        }
        XCTAssertEqual(lowered.policy, Int32(SCHED_FIFO))
        XCTAssertEqual(lowered.priority, 9)
        let fromLowest = try XCTUnwrap(helperStarted(after: realTime(sched_get_priority_min(Int32(SCHED_FIFO))), { Self.schedule() }) ?? nil)
        XCTAssertEqual(fromLowest.policy, Int32(SCHED_OTHER), "below the lowest real-time step is ordinary scheduling")
    }
}
