import CSystem
import Foundation

/// Threads whose work is off a command's critical path: parsing the tables while tensors are
/// written, releasing pages already written.
///
/// Why lower them: on two cores a conversion has more runnable threads than cores, and the
/// writer (or the main thread mapping names) waiting behind a helper lengthens the whole
/// command. Under SCHED_FIFO, as the benchmarks run, an equal-priority helper even keeps its
/// core until it blocks.
public enum HelperThread {
    /// Runs `body` on a new detached thread, lowered below the process's other threads
    /// (`wp_yield_to_critical_threads`).
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        Thread.detachNewThread {
            wp_yield_to_critical_threads()
            body()
        }
    }
}
