import Foundation

/// A value computed on another thread from the moment it is created; `get()` waits for it and
/// rethrows its error. Commands use it to read their mapping tables while they parse the input.
public final class BackgroundValue<Value: Sendable>: @unchecked Sendable {
    // `result` is written once by the worker before `done` is signalled, and read only after.
    private var result: Result<Value, Error>?
    private let done = DispatchSemaphore(value: 0)

    public init(_ compute: @escaping @Sendable () throws -> Value) {
        Thread.detachNewThread { [self] in
            result = Result { try compute() }
            done.signal()
        }
    }

    /// The value, once computed (waits until then).
    public func get() throws -> Value {
        // Always through the semaphore: reading `result` first to skip it would race the worker.
        done.wait()
        done.signal()  // later calls return at once
        return try result!.get()
    }
}
