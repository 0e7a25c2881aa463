import Foundation
import Synchronization

/// How far a writing thread has got through a sequence of bytes, for a reader on another thread
/// that must stay a little ahead of it and no further (`ChecksumPipeline` pacing the CRC-32s of
/// a `.pth`'s records).
///
/// The writer publishes its position with a store; it takes a lock only when the reader is
/// asleep waiting for that position, so most advances cost no system call.
final class WriteProgress: @unchecked Sendable {
    // @unchecked: NSCondition is thread-safe but not marked Sendable; the atomics are.
    private let position = Atomic<Int>(0)
    /// The position the sleeping reader waits for; `Int.max` when it is not waiting.
    private let awaited = Atomic<Int>(Int.max)
    private let condition = NSCondition()

    /// The writer has handed the kernel every byte before `offset`.
    func advance(to offset: Int) {
        position.store(offset, ordering: .sequentiallyConsistent)
        // Sequentially consistent on both sides: either the reader sees this position before it
        // sleeps, or this load sees the position it sleeps for (and the lock orders the wake).
        if offset >= awaited.load(ordering: .sequentiallyConsistent) {
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The writer will write no more (done, failed or cancelled): the reader stops waiting.
    func end() { advance(to: Int.max) }

    /// The writer's current position.
    var current: Int { position.load(ordering: .sequentiallyConsistent) }

    /// Returns once the writer has reached `offset` (or ended).
    func wait(until offset: Int) {
        guard current < offset else { return }
        condition.lock()
        awaited.store(offset, ordering: .sequentiallyConsistent)
        while current < offset { condition.wait() }
        awaited.store(Int.max, ordering: .sequentiallyConsistent)
        condition.unlock()
    }
}
