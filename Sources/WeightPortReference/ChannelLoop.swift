import Foundation
import WeightPortCore

/// Splits per-plane work over both cores in a few contiguous chunks.
///
/// Chunks rather than one task per plane: small planes (P6, 7×7 res5) would otherwise spend more
/// on dispatch than on work, and tiny maps run inline.
enum ChannelLoop {
    static let workers = max(ProcessInfo.processInfo.activeProcessorCount, 1)

    /// Calls `body(i)` for every `i` in `0..<count`, in parallel chunks.
    static func run(_ count: Int, minimumWork: Int = 1, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let chunks = min(count, workers * 4)
        if chunks == 1 || count * minimumWork < 4096 {
            for index in 0..<count { body(index) }
            return
        }
        Parallel.forEach(chunks) { chunk in
            let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
            for index in start..<end { body(index) }
        }
    }
}
