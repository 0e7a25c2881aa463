import Foundation
import WeightPortCore

/// A progress bar on stderr that appears only on a terminal and only after about a second,
/// so quick reads and redirected output stay clean.
final class ProgressBar: @unchecked Sendable {
    // Mutable state guarded by `lock`; reports arrive from worker threads.
    private let lock = NSLock()
    private let label: String
    private let start = Date()
    private let enabled: Bool
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String) {
        self.label = label
        enabled = isatty(STDERR_FILENO) != 0
    }

    /// A sink for `total` units that draws this bar.
    func sink(total: Int) -> ProgressSink {
        ProgressSink(total: total) { [self] done, total in self.update(done, total) }
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = now
        drawn = true
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let text = String(format: "\r%@ [%@] %3.0f%%", label, bar, fraction * 100)
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Clears the bar's line if it was ever drawn.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}
