import WeightPortCore

/// Reordering and trimming along a predictor's first (class) axis, on raw element bytes so any
/// dtype passes through unchanged.
enum ClassAxis {
    /// Background first (Detectron, torchvision) → background last (detectron2, mmdet).
    static func moveFirstToLast(_ t: Tensor) throws(TransformError) -> Tensor {
        try rotate(t, rows: 1)
    }

    static func moveLastToFirst(_ t: Tensor) throws(TransformError) -> Tensor {
        guard let n = t.shape.first else { throw .shape("a class axis needs at least one dimension") }
        return try rotate(t, rows: n - 1)
    }

    /// Drops the first `rows` entries of the class axis (background box rows or mask channel).
    static func dropLeadingRows(_ t: Tensor, rows: Int) throws(TransformError) -> Tensor {
        guard let n = t.shape.first, n > rows else {
            throw .shape("cannot drop \(rows) background rows from shape \(t.shape)")
        }
        let dense = t.contiguous()
        let rowBytes = dense.byteCount / n
        var shape = t.shape
        shape[0] = n - rows
        let region = dense.contiguousBytes().slice(rows * rowBytes, (n - rows) * rowBytes)
        return make(t.dtype, shape, region)
    }

    /// The inverse of dropping: background rows that the source never had, filled with zeros.
    static func prependZeroRows(_ t: Tensor, rows: Int, what: String) -> GroupTransform.Outcome {
        let dense = t.contiguous()
        let rowBytes = t.shape.first.map { $0 > 0 ? dense.byteCount / $0 : 0 } ?? 0
        let source = dense.contiguousBytes()
        let region = ByteRegion(count: source.count + rows * rowBytes) { out in
            out.initializeMemory(as: UInt8.self, repeating: 0)
            (out.baseAddress! + rows * rowBytes).copyMemory(from: source.base, byteCount: source.count)
        }
        var shape = t.shape
        if !shape.isEmpty { shape[0] += rows }
        return GroupTransform.Outcome(tensors: ["tensor": make(t.dtype, shape, region)],
                                      invented: ["\(what) invented as zeros (the source has none)"])
    }

    private static func rotate(_ t: Tensor, rows: Int) throws(TransformError) -> Tensor {
        guard let n = t.shape.first, n > 0 else { throw .shape("a class axis needs at least one row, shape \(t.shape)") }
        let source = t.contiguous().contiguousBytes()
        let rowBytes = source.count / n
        let head = rows * rowBytes
        let region = ByteRegion(count: source.count) { out in
            (out.baseAddress!).copyMemory(from: source.base + head, byteCount: source.count - head)
            (out.baseAddress! + source.count - head).copyMemory(from: source.base, byteCount: head)
        }
        return make(t.dtype, t.shape, region)
    }

    private static func make(_ dtype: DType, _ shape: [Int], _ region: ByteRegion) -> Tensor {
        // The region was sized from the shape just above, so the view is always in bounds.
        (try? Tensor(dtype: dtype, shape: shape, byteOrder: .host, storage: region)) ?? Tensor(float32: [], shape: [0])
    }
}
