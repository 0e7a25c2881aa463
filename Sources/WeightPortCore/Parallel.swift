import CKernels
import Foundation

/// Data-parallel loops over both cores.
public enum Parallel {
    /// Runs `body(i)` for `i` in `0..<count` concurrently; returns when all are done.
    ///
    /// On `wp_pool_run`'s threads, which keep spinning briefly between loops: GCD's sleeping
    /// workers measured 25-55 µs to wake on this project's virtual machines, once per loop. A loop
    /// started inside another one, or beside it on another thread, runs on the calling thread: the
    /// cores are already busy with the first loop, and GCD's threads would have to wait for the
    /// pool's helpers to stop spinning (under SCHED_FIFO a spinning thread keeps its core).
    public static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count == 1 { body(0); return }
        let ranOnPool = withoutActuallyEscaping(body) { escapable -> Bool in
            var job = escapable
            return withUnsafeMutablePointer(to: &job) { pointer in
                wp_pool_run(count, { context, index in
                    context?.assumingMemoryBound(to: (@Sendable (Int) -> Void).self).pointee(index)
                }, pointer) == 0
            }
        }
        if !ranOnPool { for index in 0..<count { body(index) } }
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
