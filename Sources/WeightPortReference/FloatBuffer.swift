/// A heap block of floats that the forward pass hands between ops and recycles.
///
/// A class so that `BufferPool` can tell, by reference count, whether anyone still holds it.
/// Writes come from one op at a time; concurrent workers inside an op write disjoint ranges.
public final class FloatBuffer: @unchecked Sendable {
    public let capacity: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Uninitialised storage for `capacity` floats (at least one, so the pointer is always valid).
    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: self.capacity)
    }

    deinit { pointer.deallocate() }
}

/// Recycles `FloatBuffer`s: a buffer is free again once only the pool references it.
///
/// The forward pass allocates every activation and im2col scratch here, so a second forward pass
/// (or the next layer of the same size) reuses memory instead of paying for fresh pages.
public final class BufferPool {
    private var buffers: [FloatBuffer] = []

    /// An empty pool.
    public init() {}

    /// A buffer of at least `count` floats that nobody else holds (the smallest that fits).
    public func take(_ count: Int) -> FloatBuffer {
        var best: Int?
        for index in buffers.indices where buffers[index].capacity >= count {
            guard isKnownUniquelyReferenced(&buffers[index]) else { continue }
            if best.map({ buffers[index].capacity < buffers[$0].capacity }) ?? true { best = index }
        }
        if let best { return buffers[best] }
        let fresh = FloatBuffer(capacity: count)
        buffers.append(fresh)
        return fresh
    }

    /// Floats held by all pooled buffers (for memory reports).
    public var heldFloats: Int { buffers.reduce(0) { $0 + $1.capacity } }

    /// Forgets every buffer nobody else holds.
    public func trim() {
        var kept: [FloatBuffer] = []
        for index in buffers.indices where !isKnownUniquelyReferenced(&buffers[index]) { kept.append(buffers[index]) }
        buffers = kept
    }
}
