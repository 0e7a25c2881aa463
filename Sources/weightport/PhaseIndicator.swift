import Foundation

/// Shows on stderr what a long operation is doing — only on a terminal, and only once it has run
/// for about a second, so quick runs and redirected output stay clean.
final class PhaseIndicator: @unchecked Sendable {
    // `phase`, `shown` and `finished` are guarded by `lock`; a timer thread reads them.
    private let lock = NSLock()
    private var phase = ""
    private var shown = false
    private var finished = false
    private let enabled = isatty(STDERR_FILENO) != 0
    private let start = Date()

    init() {
        guard enabled else { return }
        Thread.detachNewThread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.25)
                lock.lock()
                defer { lock.unlock() }
                if finished { return }
                if Date().timeIntervalSince(start) > 1 && !phase.isEmpty { draw() }
            }
        }
    }

    /// The callback to hand to long operations.
    var callback: @Sendable (String) -> Void {
        { [self] text in
            lock.lock()
            phase = text
            lock.unlock()
        }
    }

    private func draw() {
        let seconds = Int(Date().timeIntervalSince(start))
        FileHandle.standardError.write(Data("\r\u{1B}[2Kweightport: \(phase)… \(seconds) s".utf8))
        shown = true
    }

    /// Stops the display and clears its line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        finished = true
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}
