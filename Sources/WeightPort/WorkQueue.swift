import Foundation

/// Runs a body over items on a fixed number of threads, each taking the next item when free.
enum WorkQueue {
    /// Calls `body` once per item of `items`, in that order of starting, on `workers` threads;
    /// returns when all are done.
    static func run(_ items: [Int], workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let queue = Cursor(items)
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                while let item = queue.next() { body(item) }
                group.leave()
            }
            // Readers recurse over nested containers: the main thread's stack size, not 512 KiB.
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
    }

    /// The next item to start, shared by the workers.
    private final class Cursor: @unchecked Sendable {
        private let lock = NSLock()
        private let items: [Int]
        private var position = 0

        init(_ items: [Int]) { self.items = items }

        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard position < items.count else { return nil }
            position += 1
            return items[position - 1]
        }
    }
}
