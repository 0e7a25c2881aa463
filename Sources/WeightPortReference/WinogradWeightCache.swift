import Foundation

/// One conv's Winograd-transformed weights (`G g Gᵀ`, `[16][out][in]`), kept after the first call
/// that asks for them.
///
/// `Winograd3x3` transforms its weights at every call, into pooled scratch, because keeping them
/// costs 16/9 of the 3×3 weights for the model's lifetime. On small maps that transform is a large
/// share of the conv (ResNet-50 at 224: 49 tiles at res4, where the product does 2·49
/// multiply-adds per transformed weight), so there `Winograd3x3` keeps them here instead; large
/// maps never fill this cache and cost no memory. Shared by copies of the conv (a class), filled
/// at most once under a lock, read-only afterwards.
final class WinogradWeightCache: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: FloatBuffer?

    /// The kept weights, `count` floats, filled by `transform` on first use. The buffer is never
    /// released or rewritten while the cache lives, so callers may read it without the lock.
    func weights(count: Int, transform: (UnsafeMutablePointer<Float>) -> Void) -> FloatBuffer {
        lock.lock()
        defer { lock.unlock() }
        if let buffer { return buffer }
        let filled = FloatBuffer(capacity: count)
        transform(filled.pointer)
        buffer = filled
        return filled
    }

    /// Floats held (0 until the first small-map call).
    var heldFloats: Int {
        lock.lock()
        defer { lock.unlock() }
        return buffer?.capacity ?? 0
    }
}
