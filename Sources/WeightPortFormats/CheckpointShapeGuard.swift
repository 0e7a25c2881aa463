import WeightPortCore

/// Checks a shape and offset from a file before they reach `Tensor`, whose element-count and
/// stride arithmetic assumes sane values: a hostile `(2^40, 2^40)` or `(0, 2^62, 2^62)` must
/// become an error here rather than an arithmetic trap there.
enum CheckpointShapeGuard {
    /// Largest element offset accepted (2^48 elements is far beyond any file).
    static let maxOffset = 1 << 48

    static func check(shape: [Int], offset: Int = 0, name: String) throws {
        guard shape.count <= 64 else { throw FormatError.unsupported("tensor '\(name)' has \(shape.count) dimensions", offset: nil) }
        var product = 1
        for dim in shape {
            guard dim >= 0 else { throw FormatError.malformed("tensor '\(name)' has a negative dimension \(shape)", offset: nil) }
            let (next, overflow) = product.multipliedReportingOverflow(by: max(dim, 1))
            guard !overflow, next <= 1 << 56 else {
                throw FormatError.malformed("tensor '\(name)' shape \(shape) is impossibly large", offset: nil)
            }
            product = next
        }
        guard offset >= 0, offset <= maxOffset else {
            throw FormatError.malformed("tensor '\(name)' has storage offset \(offset)", offset: nil)
        }
    }
}
