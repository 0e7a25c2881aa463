import Foundation

/// Receives progress of long operations (done out of total units) from any thread.
public final class ProgressSink: @unchecked Sendable {
    // Guarded by `lock`; workers on both cores report into it.
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let report: @Sendable (Int, Int) -> Void

    public init(total: Int, report: @escaping @Sendable (Int, Int) -> Void) {
        self.total = total
        self.report = report
    }

    /// Adds `units` finished units and forwards the new count.
    public func advance(_ units: Int) {
        lock.lock()
        done += units
        let now = done
        lock.unlock()
        report(now, total)
    }
}
