/// A typed, shaped view of bytes: a whole storage or a strided view into one.
///
/// Values are not converted when a file is read; `contiguous()`, `floats()` and `doubles()`
/// convert on request, and return the mapped bytes themselves when no conversion is needed.
public struct Tensor: Sendable {
    public let dtype: DType
    public let shape: [Int]
    /// Strides in elements, one per dimension.
    public let strides: [Int]
    /// Element offset of the first element within `storage`.
    public let offset: Int
    public let byteOrder: ByteOrder
    /// The bytes the view indexes into (possibly shared with other tensors).
    public let storage: ByteRegion

    /// A view over `storage`, validated so that every element lies inside it.
    public init(dtype: DType, shape: [Int], strides: [Int]? = nil, offset: Int = 0,
                byteOrder: ByteOrder = .little, storage: ByteRegion, name: String = "") throws(FormatError) {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .malformed("tensor '\(name)' has a negative dimension \(shape)", offset: nil) }
        // Dimensions come from files: their product (ignoring zeros, which the strides also
        // skip) must fit in Int before any stride or byte count is computed from it.
        var extent = 1
        for dim in shape {
            let (product, overflow) = extent.multipliedReportingOverflow(by: Swift.max(dim, 1))
            guard !overflow, product <= Int.max / 16 else {
                throw .storageOverflow(tensor: name, neededBytes: Int.max, availableBytes: storage.count)
            }
            extent = product
        }
        let strides = strides ?? Tensor.contiguousStrides(shape)
        guard strides.count == shape.count else {
            throw .malformed("tensor '\(name)' has \(shape.count) dimensions but \(strides.count) strides", offset: nil)
        }
        guard offset >= 0, strides.allSatisfy({ $0 >= 0 }) else {
            throw .unsupported("tensor '\(name)' has a negative offset or stride", offset: nil)
        }
        let count = Tensor.elementCount(shape)
        if count > 0 {
            var lastIndex = offset
            for (dim, stride) in zip(shape, strides) {
                let (product, overflow) = (dim - 1).multipliedReportingOverflow(by: stride)
                let (sum, overflow2) = lastIndex.addingReportingOverflow(product)
                if overflow || overflow2 { throw .storageOverflow(tensor: name, neededBytes: Int.max, availableBytes: storage.count) }
                lastIndex = sum
            }
            let (needed, overflow) = (lastIndex + 1).multipliedReportingOverflow(by: dtype.size)
            guard !overflow, needed <= storage.count else {
                throw .storageOverflow(tensor: name, neededBytes: overflow ? Int.max : needed, availableBytes: storage.count)
            }
        }
        self.init(unchecked: dtype, shape: shape, strides: strides, offset: offset, byteOrder: byteOrder, storage: storage)
    }

    /// A view whose bounds the caller has already established (e.g. freshly gathered bytes).
    init(unchecked dtype: DType, shape: [Int], strides: [Int], offset: Int, byteOrder: ByteOrder, storage: ByteRegion) {
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.byteOrder = byteOrder
        self.storage = storage
    }

    /// A contiguous host-order float32 tensor holding `values`.
    public init(float32 values: [Float], shape: [Int]) {
        precondition(Tensor.elementCount(shape) == values.count, "shape \(shape) does not hold \(values.count) values")
        let region = values.withUnsafeBytes { ByteRegion(copying: $0) }
        self.dtype = .float32
        self.shape = shape
        self.strides = Tensor.contiguousStrides(shape)
        self.offset = 0
        self.byteOrder = .host
        self.storage = region
    }

    public var count: Int { Tensor.elementCount(shape) }
    public var byteCount: Int { count * dtype.size }
    public var rank: Int { shape.count }

    /// True when the elements are laid out densely in C order.
    public var isContiguous: Bool {
        var expected = 1
        for (dim, stride) in zip(shape, strides).reversed() where dim != 1 {
            if stride != expected { return false }
            expected *= dim
        }
        return true
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= max(shape[i], 1)
        }
        return strides
    }

    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The same elements in a new shape (contiguous tensors only; the storage is shared).
    public func reshaped(_ newShape: [Int]) -> Tensor? {
        guard Tensor.elementCount(newShape) == count, isContiguous else { return nil }
        return try? Tensor(dtype: dtype, shape: newShape, offset: offset, byteOrder: byteOrder, storage: storage)
    }
}
