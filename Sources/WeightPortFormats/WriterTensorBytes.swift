import WeightPortCore

/// Tensor bytes as every writer stores them: dense, C order, little-endian.
enum WriterTensorBytes {
    /// Whether `littleEndian(tensor)` is a slice of the tensor's storage (no copy made).
    static func isView(_ tensor: Tensor) -> Bool {
        tensor.hasDenseHostBytes && (ByteOrder.host == .little || tensor.dtype.size == 1)
    }

    /// The elements as dense little-endian bytes: the mapped bytes themselves when the view is
    /// already dense and the host is little-endian (the common case), otherwise a copy.
    static func littleEndian(_ tensor: Tensor) -> ByteRegion {
        let dense = tensor.contiguousBytes()
        guard ByteOrder.host == .big else { return dense }
        let size = tensor.dtype.size
        // Complex numbers swap each of their two parts separately.
        let unit = tensor.dtype.isComplex ? size / 2 : size
        guard unit > 1 else { return dense }
        return ByteRegion(count: dense.count) { out in
            let source = dense.bytes
            for start in stride(from: 0, to: dense.count, by: unit) {
                for k in 0..<unit { out[start + k] = source[start + unit - 1 - k] }
            }
        }
    }
}
