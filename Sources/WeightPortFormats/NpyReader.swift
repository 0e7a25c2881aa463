import WeightPortCore

/// Reads NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, header length (u16 LE in 1.0, u32 LE
/// in 2.0/3.0), the header dict literal padded with spaces and a newline, then the raw array.
/// The array is not copied: big-endian data keeps `byteOrder = .big` and Fortran-ordered data
/// becomes a strided view. A `.npy` holds one unnamed array, which this reader names `array`.
public enum NpyReader: WeightFileReader {
    /// The name given to the single tensor of a `.npy` file.
    public static let tensorName = "array"

    public static func read(_ bytes: ByteRegion) throws -> WeightFile {
        let tensor = try readArray(bytes, name: tensorName)
        return WeightFile(format: WeightFormat.npy.rawValue, tensors: StateDict([(tensorName, tensor)]))
    }

    /// Decodes one `.npy` image into a tensor viewing `bytes` (also used for `.npz` members).
    /// `baseOffset` is where `bytes` starts in the containing file, for error offsets.
    public static func readArray(_ bytes: ByteRegion, name: String, baseOffset: Int = 0) throws(FormatError) -> Tensor {
        var cursor = ByteCursor(bytes, baseOffset: baseOffset)
        let magic = try cursor.readBytes(6, "npy magic")
        guard magic == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] else {
            throw .malformed("'\(name)' is not a .npy array (bad magic)", offset: baseOffset)
        }
        let major = try cursor.readUInt8("npy version")
        _ = try cursor.readUInt8("npy version")
        let headerLength: Int
        switch major {
        case 1: headerLength = Int(try cursor.readLE(UInt16.self, "npy header length"))
        case 2, 3: headerLength = Int(try cursor.readLE(UInt32.self, "npy header length"))
        default: throw .unsupported("npy format version \(major)", offset: baseOffset + 6)
        }
        guard headerLength <= NpyHeader.maxHeaderLength else {
            throw .limitExceeded("npy header of \(headerLength) bytes (limit \(NpyHeader.maxHeaderLength))", offset: cursor.fileOffset)
        }
        let headerOffset = cursor.fileOffset
        let text = try cursor.readBytes(headerLength, "npy header")
        let header = try NpyHeader(text: trimmed(text), offset: headerOffset)
        guard let byteCount = byteCount(header) else {
            throw .limitExceeded("npy shape \(header.shape) is too large", offset: headerOffset)
        }
        let data = try cursor.readRegion(byteCount, "npy array data of '\(name)'")
        return try Tensor(dtype: header.dtype, shape: header.shape, strides: strides(header),
                          byteOrder: header.byteOrder, storage: data, name: name)
    }

    /// Bytes the array occupies, nil on overflow.
    static func byteCount(_ header: NpyHeader) -> Int? {
        var total = header.dtype.size
        for dim in header.shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// Fortran order stores the first axis fastest: strides are the reversed C strides.
    static func strides(_ header: NpyHeader) -> [Int] {
        guard header.fortranOrder else { return Tensor.contiguousStrides(header.shape) }
        var strides: [Int] = []
        var acc = 1
        for dim in header.shape {
            strides.append(acc)
            acc *= max(dim, 1)
        }
        return strides
    }

    /// Drops the padding spaces and the final newline (and a stray NUL some writers leave).
    private static func trimmed(_ text: [UInt8]) -> [UInt8] {
        var end = text.count
        while end > 0, [0x20, 0x0A, 0x0D, 0x00].contains(text[end - 1]) { end -= 1 }
        return Array(text[..<end])
    }
}
