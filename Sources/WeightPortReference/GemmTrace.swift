import Foundation
import Synchronization

/// An opt-in record of every matrix product the forward pass makes, per layer, with its wall time.
///
/// For the benchmarks (issue #14): the sum of `2·m·n·k` is the network's convolution and linear
/// FLOP count, the shapes let `wpbench` time OpenBLAS alone on exactly this network's products
/// (the per-shape floor), and the times say where a pass goes. Off by default; while off, a layer
/// pays one lock-free flag read.
public enum GemmTrace {
    /// One layer's products: `groups` products of `m × n × k` (n counts every image of the batch).
    public struct Entry: Sendable, Equatable {
        /// What the layer is, e.g. `conv 3x3/2` or `linear`.
        public let kind: String
        public let m: Int, n: Int, k: Int, groups: Int
        /// Wall time of the whole layer (lowering, products and epilogue), in milliseconds.
        public let milliseconds: Double
        /// Nominal multiply-add FLOPs, `2·m·n·k·groups`.
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) * Double(groups) }
    }

    private static let recorder = Recorder()

    /// Starts recording (dropping anything recorded before).
    public static func start() { _ = recorder.set(enabled: true) }

    /// Stops recording and returns the layers in the order they ran.
    public static func stop() -> [Entry] { recorder.set(enabled: false) }

    static var isEnabled: Bool { recorder.isEnabled }

    /// Runs `body`, recording it as one layer when tracing is on.
    static func layer<T>(_ kind: @autoclosure () -> String, m: Int, n: Int, k: Int, groups: Int = 1,
                         _ body: () -> T) -> T {
        guard recorder.isEnabled else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        recorder.append(Entry(kind: kind(), m: m, n: n, k: k, groups: groups, milliseconds: elapsed))
        return result
    }

    /// The shared list; layers run one after another, but a head may run them on worker threads.
    /// The on/off flag is an atomic, read without the lock on every layer.
    private final class Recorder: @unchecked Sendable {
        // @unchecked: `entries` is only touched under `lock`.
        private let lock = NSLock()
        private var entries: [Entry] = []
        private let enabled = Atomic<Bool>(false)

        var isEnabled: Bool { enabled.load(ordering: .relaxed) }

        func set(enabled on: Bool) -> [Entry] {
            lock.lock()
            defer { lock.unlock() }
            let taken = entries
            entries = []
            enabled.store(on, ordering: .relaxed)
            return taken
        }

        func append(_ entry: Entry) {
            lock.lock()
            entries.append(entry)
            lock.unlock()
        }
    }
}
