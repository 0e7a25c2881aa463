/// Turning any view into dense host-order bytes, and decoding elements to numbers.
extension Tensor {
    /// Whether `contiguousBytes()` is a slice of the storage rather than a gathered copy.
    public var hasDenseHostBytes: Bool {
        isContiguous && (byteOrder == .host || dtype.size == 1 || dtype == .bool)
    }

    /// The elements as dense C-order bytes in host byte order: a zero-copy slice of the storage
    /// when the view already is one, otherwise a gathered copy.
    public func contiguousBytes() -> ByteRegion {
        let size = dtype.size
        if hasDenseHostBytes {
            return storage.slice(offset * size, byteCount)
        }
        return ByteRegion(count: byteCount) { out in
            var written = 0
            forEachElementOffset { elementOffset in
                let src = storage.base + elementOffset * size
                let dst = out.baseAddress! + written
                dst.copyMemory(from: src, byteCount: size)
                if byteOrder != .host { Tensor.swapBytes(dst, size: dtype.isComplex ? size / 2 : size, count: dtype.isComplex ? 2 : 1) }
                written += size
            }
        }
    }

    /// A dense, host-order copy-free (where possible) equivalent of this view.
    public func contiguous() -> Tensor {
        if isContiguous && byteOrder == .host { return self }
        return Tensor(unchecked: dtype, shape: shape, strides: Tensor.contiguousStrides(shape), offset: 0,
                      byteOrder: .host, storage: contiguousBytes())
    }

    /// Calls `body` with the element offset (in elements, into `storage`) of every element in C order.
    public func forEachElementOffset(_ body: (Int) -> Void) {
        let n = count
        if n == 0 { return }
        if shape.isEmpty { body(offset); return }
        var index = [Int](repeating: 0, count: shape.count)
        var position = offset
        let last = shape.count - 1
        for _ in 0..<n {
            body(position)
            var d = last
            while d >= 0 {
                index[d] += 1
                position += strides[d]
                if index[d] < shape[d] { break }
                position -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    static func swapBytes(_ p: UnsafeMutableRawPointer, size: Int, count: Int) {
        for k in 0..<count {
            let base = p + k * size
            var i = 0, j = size - 1
            while i < j {
                let a = base.load(fromByteOffset: i, as: UInt8.self)
                base.storeBytes(of: base.load(fromByteOffset: j, as: UInt8.self), toByteOffset: i, as: UInt8.self)
                base.storeBytes(of: a, toByteOffset: j, as: UInt8.self)
                i += 1; j -= 1
            }
        }
    }

    /// Every element converted to Float (complex values give their real part).
    public func floats() -> [Float] {
        let dense = contiguous()
        if dense.dtype == .float32 {
            return Array(UnsafeBufferPointer(start: dense.storage.base.advanced(by: dense.offset * 4)
                .assumingMemoryBound(to: Float.self), count: count))
        }
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            ElementDecoder.decode(dense, into: buffer.baseAddress!, range: 0..<count)
        }
        return out
    }

    /// Every element converted to Double.
    public func doubles() -> [Double] {
        let dense = contiguous()
        var out = [Double](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            ElementDecoder.decodeDouble(dense, into: buffer.baseAddress!, range: 0..<count)
        }
        return out
    }
}
