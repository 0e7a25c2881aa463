import Foundation

/// One slot per file for results written by the workers; `finished` is called under the lock,
/// so progress lines never interleave.
final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [ZooConverter.FileResult?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: ZooConverter.FileResult, then finished: (ZooConverter.FileResult) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = result
        finished(result)
    }

    var all: [ZooConverter.FileResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}
