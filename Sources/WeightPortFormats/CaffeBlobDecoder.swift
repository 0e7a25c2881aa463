import WeightPortCore

/// Decodes a Caffe `BlobProto` into a tensor.
///
/// Shape comes from `shape` (field 7, `BlobShape.dim`), else from the legacy 4-D
/// num/channels/height/width (fields 1–4) when any is present (as Caffe's `Blob::FromProto`).
/// Values come from `double_data` (8) when non-empty, else `data` (5); either may be packed or
/// one tag per value. A single packed run is viewed in place; anything else is gathered, and
/// the gathered size is bounded by the bytes the file actually holds.
enum CaffeBlobDecoder {
    /// A run of little-endian values: a packed slice, or one unpacked value's bits.
    private enum Piece {
        case packed(ByteRegion)
        case single(UInt64)
    }

    private struct Values {
        var pieces: [Piece] = []
        var count = 0
    }

    static func decode(_ message: ProtobufWireReader, name: String) throws(FormatError) -> Tensor {
        var reader = message
        var shape: [Int]?
        var legacy: [Int]?
        var floats = Values(), doubles = Values()
        var start: Int?
        while let field = try reader.next() {
            start = start ?? field.offset
            switch field.number {
            case 1, 2, 3, 4:
                let v = try field.int64()
                guard v >= 0, v < 1 << 40 else { throw .malformed("Caffe blob '\(name)' has legacy dimension \(v)", offset: field.offset) }
                legacy = legacy ?? [0, 0, 0, 0]
                legacy?[field.number - 1] = Int(v)
            case 7: shape = try readShape(try reader.nested(field), name: name)
            case 5: try append(field, to: &floats, width: 4, name: name)
            case 8: try append(field, to: &doubles, width: 8, name: name)
            default: break
            }
        }
        let values = doubles.count > 0 ? doubles : floats
        let dtype: DType = doubles.count > 0 ? .float64 : .float32
        let dims = shape ?? legacy ?? (values.count == 1 ? [] : [values.count])
        let (expected, overflow) = dims.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, expected == values.count else {
            throw .malformed("Caffe blob '\(name)' holds \(values.count) values but its shape \(dims) needs \(overflow ? "too many" : String(expected))", offset: start)
        }
        return try Tensor(dtype: dtype, shape: dims, byteOrder: .little, storage: storage(values, width: dtype.size), name: name)
    }

    private static func readShape(_ message: ProtobufWireReader, name: String) throws(FormatError) -> [Int] {
        var reader = message
        var dims: [Int] = []
        while let field = try reader.next() {
            guard field.number == 1 else { continue }
            for v in try field.varints() {
                let d = Int64(bitPattern: v)
                guard d >= 0, d < 1 << 40 else { throw .malformed("Caffe blob '\(name)' has dimension \(d)", offset: field.offset) }
                dims.append(Int(d))
            }
        }
        return dims
    }

    private static func append(_ field: ProtobufWireReader.Field, to values: inout Values, width: Int, name: String) throws(FormatError) {
        switch field.value {
        case .lengthDelimited(let region):
            guard region.count % width == 0 else {
                throw .malformed("Caffe blob '\(name)': packed field \(field.number) of \(region.count) bytes is not a whole number of \(width)-byte values", offset: field.valueOffset)
            }
            values.pieces.append(.packed(region))
            values.count += region.count / width
        case .fixed32(let bits) where width == 4:
            values.pieces.append(.single(UInt64(bits)))
            values.count += 1
        case .fixed64(let bits) where width == 8:
            values.pieces.append(.single(bits))
            values.count += 1
        default:
            throw .malformed("Caffe blob '\(name)': field \(field.number) has the wrong wire type", offset: field.offset)
        }
    }

    /// The values' bytes: the packed slice itself when there is exactly one, else a gathered copy.
    private static func storage(_ values: Values, width: Int) -> ByteRegion {
        if values.pieces.count == 1, case .packed(let region) = values.pieces[0] { return region }
        return ByteRegion(count: values.count * width) { buffer in
            var offset = 0
            for piece in values.pieces {
                switch piece {
                case .packed(let region):
                    buffer.baseAddress?.advanced(by: offset).copyMemory(from: region.base, byteCount: region.count)
                    offset += region.count
                case .single(let bits):
                    if width == 4 {
                        buffer.storeBytes(of: UInt32(truncatingIfNeeded: bits).littleEndian, toByteOffset: offset, as: UInt32.self)
                    } else {
                        buffer.storeBytes(of: bits.littleEndian, toByteOffset: offset, as: UInt64.self)
                    }
                    offset += width
                }
            }
        }
    }
}
