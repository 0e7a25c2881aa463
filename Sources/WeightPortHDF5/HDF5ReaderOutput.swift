import WeightPortCore

/// What the isolated reader's child process hands back to its parent, in the memory file they
/// share (`HDF5IsolatedReader`): the tensors' raw bytes, then a header describing the outcome.
///
/// Layout (little-endian): the magic `WPH5OUT1`, the header's offset and length (u64 each), the
/// data area from byte 64 (each tensor's bytes 64-byte aligned; the child reads datasets straight
/// into it), then the header. The header is either an error (`0x01`, the `HDF5Error`) or a result
/// (`0x00`): tensor count (u32); per tensor its name, dtype name, rank (u8, at most 32), dims (u64
/// each), offset and length of its bytes (u64) and where they are (u8: 0 in this memory file, 1 in
/// the input file — a contiguous dataset stored as it is laid out in memory, which the parent
/// slices out of its own map of the file); metadata count (u32); per entry its key and a JSON
/// value (tag byte, then the value). Strings are u32 length + UTF-8.
///
/// The parent decodes it as untrusted input: the child ran libhdf5 over a file that may be
/// hostile, so every count, offset, length, rank, dtype and nesting depth is checked before use.
enum HDF5ReaderOutput {
    static let magic: [UInt8] = Array("WPH5OUT1".utf8)
    /// Magic, header offset, header length.
    static let preludeSize = 24
    /// Tensor data starts at a multiple of this (SIMD loads are never split); the first at 64.
    static let alignment = 64
    static let maxRank = 32
    static let maxDepth = 64

    /// What the child writes: `prelude` at 0, each copy's bytes at its offset, `header` at
    /// `headerOffset` (tensors already in the memory file are not copied).
    struct Layout {
        var prelude: [UInt8]
        var header: [UInt8]
        var headerOffset: Int
        var copies: [(ByteRegion, Int)]
    }

    /// Where a tensor's bytes are: an offset in the memory file, or in the input file.
    struct Placement {
        var offset: Int
        var inInput: Bool
    }

    // MARK: encoding (the child)

    /// The layout for a successful read. `dataEnd` is where the data already in the memory file
    /// ends; `placed` gives the offset of a tensor's bytes when they are already there.
    static func encode(_ file: WeightFile, dataEnd: Int = alignment, placed: (ByteRegion) -> Placement? = { _ in nil }) -> Layout {
        var header = Writer()
        header.u8(0)
        header.u32(file.tensors.count)
        var end = max(dataEnd, alignment)
        var copies: [(ByteRegion, Int)] = []
        for (name, tensor) in file.tensors {
            header.string(name)
            header.string(tensor.dtype.rawValue)
            header.u8(tensor.shape.count)
            for dim in tensor.shape { header.u64(dim) }
            let bytes = tensor.contiguousBytes()
            let placement: Placement
            if let at = placed(bytes) {
                placement = at
            } else {
                placement = Placement(offset: align(end), inInput: false)
                copies.append((bytes, placement.offset))
                end = placement.offset + bytes.count
            }
            header.u64(placement.offset)
            header.u64(bytes.count)
            header.u8(placement.inInput ? 1 : 0)
        }
        header.u32(file.metadata.count)
        for (key, value) in file.metadata {
            header.string(key)
            header.json(value)
        }
        return layout(header.bytes, at: align(end), copies: copies)
    }

    /// The layout reporting that the read failed with `error`.
    static func encode(_ error: HDF5Error) -> Layout {
        var header = Writer()
        header.u8(1)
        switch error {
        case .library(let operation, let message, let path): header.u8(0); header.string(operation); header.string(message); header.path(path)
        case .unsupported(let message, let path): header.u8(1); header.string(message); header.string(""); header.path(path)
        case .limitExceeded(let message, let path): header.u8(2); header.string(message); header.string(""); header.path(path)
        case .libraryUnavailable(let reason): header.u8(3); header.string(reason); header.string(""); header.path(nil)
        case .readerCrashed(let how), .readerFailed(let how): header.u8(4); header.string(how); header.string(""); header.path(nil)
        case .readerTimedOut(let seconds): header.u8(4); header.string("timed out after \(seconds) s"); header.string(""); header.path(nil)
        }
        return layout(header.bytes, at: alignment, copies: [])
    }

    private static func layout(_ header: [UInt8], at offset: Int, copies: [(ByteRegion, Int)]) -> Layout {
        var prelude = Writer()
        prelude.bytes = magic
        prelude.u64(offset)
        prelude.u64(header.count)
        return Layout(prelude: prelude.bytes, header: header, headerOffset: offset, copies: copies)
    }

    static func align(_ offset: Int) -> Int { (offset + alignment - 1) / alignment * alignment }

    // MARK: decoding (the parent)

    /// Decodes the child's output held in `region` (the whole memory file); tensors are slices
    /// of it. Throws the child's own error, or `.readerFailed` when the output is malformed.
    /// `input` is the parent's map of the file the child read (tensors stored there are slices of
    /// it), nil when it has none.
    static func decode(_ region: ByteRegion, input: ByteRegion? = nil) throws(HDF5Error) -> WeightFile {
        do {
            return try decodeChecked(region, input: input)
        } catch let error as HDF5Error {
            throw error
        } catch let error as Diagnostic {
            throw .readerFailed("malformed output from the reader process: \(error.what)")
        } catch {
            throw .readerFailed("malformed output from the reader process")
        }
    }

    private static func decodeChecked(_ region: ByteRegion, input: ByteRegion?) throws -> WeightFile {
        var cursor = ByteCursor(region)
        guard try cursor.readBytes(magic.count, "magic") == magic else {
            throw HDF5Error.readerFailed("the reader process wrote no result")
        }
        let headerOffset = try count(cursor.readLE(UInt64.self, "header offset"), atMost: region.count, "header offset")
        let headerLength = try count(cursor.readLE(UInt64.self, "header length"), atMost: region.count - headerOffset, "header length")
        guard headerOffset >= preludeSize else { throw HDF5Error.readerFailed("malformed output from the reader process: header at \(headerOffset)") }
        var header = ByteCursor(region.slice(headerOffset, headerLength))
        let status = try header.readUInt8("status")
        if status == 1 { throw try decodeError(&header) }
        guard status == 0 else { throw HDF5Error.readerFailed("malformed output from the reader process: status \(status)") }
        // A tensor record takes at least 30 bytes, so a count above remaining / 30 is a lie.
        let tensorCount = try count(UInt64(header.readLE(UInt32.self, "tensor count")), atMost: header.remaining / 30, "tensor count")
        var tensors: [(String, Tensor)] = []
        tensors.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try string(&header)
            let dtypeName = try string(&header)
            guard let dtype = DType(rawValue: dtypeName) else { throw HDF5Error.readerFailed("malformed output from the reader process: dtype '\(dtypeName)'") }
            let rank = try count(UInt64(header.readUInt8("rank")), atMost: maxRank, "rank")
            var shape: [Int] = []
            var elements = 1
            for _ in 0..<rank {
                let dim = try count(header.readLE(UInt64.self, "dim"), atMost: max(region.count, input?.count ?? 0), "dimension")
                shape.append(dim)
                let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
                guard !overflow else { throw HDF5Error.readerFailed("malformed output from the reader process: shape \(shape) overflows") }
                elements = product
            }
            let offset = try count(header.readLE(UInt64.self, "offset"), atMost: Int.max, "offset")
            let length = try count(header.readLE(UInt64.self, "length"), atMost: Int.max, "length")
            let source = try header.readUInt8("source")
            // Data in the memory file lies between the prelude and the header; in the input, anywhere.
            let (home, start, end): (ByteRegion?, Int, Int) = source == 1 ? (input, 0, input?.count ?? 0) : (region, preludeSize, headerOffset)
            let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
            guard source <= 1, let home, !overflow, expected == length, offset >= start, offset <= end, length <= end - offset else {
                let place = source == 1 ? "the input file" : source == 0 ? "the output" : "source \(source)"
                throw HDF5Error.readerFailed("malformed output from the reader process: tensor '\(name)' of shape \(shape) has \(length) bytes at \(offset) of \(place)")
            }
            tensors.append((name, try Tensor(dtype: dtype, shape: shape, byteOrder: .host, storage: home.slice(offset, length), name: name)))
        }
        let metadataCount = try count(UInt64(header.readLE(UInt32.self, "metadata count")), atMost: header.remaining / 5, "metadata count")
        var metadata: [(String, JSONValue)] = []
        for _ in 0..<metadataCount { metadata.append((try string(&header), try json(&header, depth: 0))) }
        guard header.isAtEnd else { throw HDF5Error.readerFailed("malformed output from the reader process: \(header.remaining) bytes after the header") }
        return WeightFile(format: "hdf5", tensors: StateDict(tensors), metadata: metadata)
    }

    private static func decodeError(_ header: inout ByteCursor) throws -> HDF5Error {
        let kind = try header.readUInt8("error kind")
        let first = try string(&header), second = try string(&header)
        let path: String? = try header.readUInt8("path flag") == 1 ? try string(&header) : nil
        guard header.isAtEnd else { return .readerFailed("malformed output from the reader process: bytes after the error") }
        switch kind {
        case 0: return .library(operation: first, message: second, path: path)
        case 1: return .unsupported(first, path: path)
        case 2: return .limitExceeded(first, path: path)
        case 3: return .libraryUnavailable(reason: first)
        case 4: return .readerFailed(first)
        default: return .readerFailed("malformed output from the reader process: error kind \(kind)")
        }
    }

    /// `value` as an Int when it is at most `limit`.
    private static func count(_ value: UInt64, atMost limit: Int, _ what: String) throws -> Int {
        guard limit >= 0, value <= UInt64(limit) else {
            throw HDF5Error.readerFailed("malformed output from the reader process: \(what) \(value) exceeds \(max(limit, 0))")
        }
        return Int(value)
    }

    private static func string(_ cursor: inout ByteCursor) throws -> String {
        let length = try count(UInt64(cursor.readLE(UInt32.self, "string length")), atMost: cursor.remaining, "string length")
        return String(decoding: try cursor.readRegion(length, "string").bytes, as: UTF8.self)
    }

    private static func json(_ cursor: inout ByteCursor, depth: Int) throws -> JSONValue {
        guard depth < maxDepth else { throw HDF5Error.readerFailed("malformed output from the reader process: metadata nested deeper than \(maxDepth)") }
        switch try cursor.readUInt8("value tag") {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .int(Int(try cursor.readLE(Int64.self, "int")))
        case 4: return .double(Double(bitPattern: try cursor.readLE(UInt64.self, "double")))
        case 5: return .string(try string(&cursor))
        case 6:
            let n = try count(UInt64(cursor.readLE(UInt32.self, "array count")), atMost: cursor.remaining, "array count")
            return .array(try (0..<n).map { _ in try json(&cursor, depth: depth + 1) })
        case 7:
            let n = try count(UInt64(cursor.readLE(UInt32.self, "object count")), atMost: cursor.remaining / 5, "object count")
            return .object(try (0..<n).map { _ in (try string(&cursor), try json(&cursor, depth: depth + 1)) })
        case let tag: throw HDF5Error.readerFailed("malformed output from the reader process: value tag \(tag)")
        }
    }

    /// Little-endian appends.
    struct Writer {
        var bytes: [UInt8] = []
        mutating func u8(_ v: Int) { bytes.append(UInt8(truncatingIfNeeded: v)) }
        mutating func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { bytes += $0 } }
        mutating func u64(_ v: Int) { withUnsafeBytes(of: UInt64(truncatingIfNeeded: v).littleEndian) { bytes += $0 } }
        mutating func set(u64 v: Int, at slot: Int) {
            withUnsafeBytes(of: UInt64(truncatingIfNeeded: v).littleEndian) { bytes.replaceSubrange(slot..<slot + 8, with: $0) }
        }
        mutating func string(_ s: String) {
            let utf8 = Array(s.utf8)
            u32(utf8.count)
            bytes += utf8
        }
        mutating func path(_ p: String?) {
            u8(p == nil ? 0 : 1)
            if let p { string(p) }
        }
        mutating func json(_ value: JSONValue) {
            switch value {
            case .null: u8(0)
            case .bool(let b): u8(b ? 2 : 1)
            case .int(let i): u8(3); u64(i)
            case .double(let d): u8(4); withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes += $0 }
            case .string(let s): u8(5); string(s)
            case .array(let items): u8(6); u32(items.count); items.forEach { json($0) }
            case .object(let pairs): u8(7); u32(pairs.count); pairs.forEach { string($0.0); json($0.1) }
            }
        }
    }
}
