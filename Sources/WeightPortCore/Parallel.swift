import Foundation

/// Data-parallel loops over both cores.
public enum Parallel {
    /// Runs `body(i)` for `i` in `0..<count` concurrently; returns when all are done.
    public static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count == 1 { body(0); return }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// Computes `body(i)` for every `i` concurrently and returns the results in order.
    public static func map<T>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let out = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
        let shared = SharedPointer(out)
        forEach(count) { i in (shared.value.baseAddress! + i).initialize(to: body(i)) }
        let result = Array(out)
        _ = out.deinitialize()
        out.deallocate()
        return result
    }
}

/// A pointer handed to concurrent workers that write disjoint elements.
public struct SharedPointer<P>: @unchecked Sendable {
    public let value: P
    public init(_ value: P) { self.value = value }
}
