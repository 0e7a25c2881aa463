import Foundation
import WeightPortCore

/// Reads safetensors files: u64 LE header length, JSON header, then a byte buffer the header
/// indexes. Validated as the reference implementation does: offsets must tile the buffer exactly.
public enum SafetensorsReader: WeightFileReader {
    static let maxHeader = 100_000_000

    static let dtypes: [String: DType] = [
        "F32": .float32, "F16": .float16, "BF16": .bfloat16, "F64": .float64,
        "I8": .int8, "I16": .int16, "I32": .int32, "I64": .int64,
        "U8": .uint8, "U16": .uint16, "U32": .uint32, "U64": .uint64,
        "BOOL": .bool, "C64": .complex64, "F8_E4M3": .float8_e4m3fn, "F8_E5M2": .float8_e5m2,
    ]

    /// The safetensors dtype string of `dtype`, nil for types the format cannot hold.
    public static func code(for dtype: DType) -> String? {
        dtypes.first { $0.value == dtype }?.key
    }

    public static func read(_ bytes: ByteRegion) throws -> WeightFile {
        var cursor = ByteCursor(bytes)
        let headerLength = try cursor.readLE(UInt64.self, "safetensors header length")
        guard headerLength <= UInt64(maxHeader) else {
            throw FormatError.limitExceeded("safetensors header of \(headerLength) bytes (limit \(maxHeader))", offset: 0)
        }
        let header = try cursor.readRegion(Int(headerLength), "safetensors header")
        let buffer = bytes.slice(cursor.position, cursor.remaining)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: header.toData(), options: [])
        } catch {
            throw FormatError.malformed("safetensors header is not valid JSON", offset: 8)
        }
        guard let entries = json as? [String: Any] else {
            throw FormatError.malformed("safetensors header is not a JSON object", offset: 8)
        }
        let order = try jsonKeyOrder(header)
        var spans: [(name: String, begin: Int, end: Int)] = []
        var tensors: [(String, Tensor)] = []
        var metadata: [(String, JSONValue)] = []
        for name in order {
            if name == "__metadata__" {
                metadata = try readMetadata(entries[name])
                continue
            }
            let (tensor, begin, end) = try readEntry(name, entries[name], buffer: buffer)
            spans.append((name, begin, end))
            tensors.append((name, tensor))
        }
        try checkCoverage(spans, bufferSize: buffer.count, dataStart: 8 + Int(headerLength))
        return WeightFile(format: WeightFormat.safetensors.rawValue, tensors: StateDict(tensors), metadata: metadata)
    }

    private static func readEntry(_ name: String, _ value: Any?, buffer: ByteRegion) throws -> (Tensor, Int, Int) {
        guard let entry = value as? [String: Any],
              let dtypeName = entry["dtype"] as? String,
              let shapeValues = entry["shape"] as? [NSNumber],
              let offsets = entry["data_offsets"] as? [NSNumber], offsets.count == 2 else {
            throw FormatError.malformed("safetensors entry '\(name)' lacks dtype, shape or data_offsets", offset: 8)
        }
        guard let dtype = dtypes[dtypeName] else {
            throw FormatError.unsupported("safetensors dtype '\(dtypeName)' of '\(name)'", offset: 8)
        }
        let shape = shapeValues.map { $0.intValue }
        let begin = offsets[0].intValue, end = offsets[1].intValue
        guard shape.allSatisfy({ $0 >= 0 }), begin >= 0, end >= begin, end <= buffer.count else {
            throw FormatError.malformed("safetensors entry '\(name)' has offsets [\(begin), \(end)) outside the \(buffer.count)-byte buffer", offset: 8)
        }
        // Overflow-checked product: a hostile shape such as [2^32, 2^32, 16] must not trap.
        let (expected, overflow) = shape.reduce((dtype.size, false)) { acc, dim in
            let (product, o) = acc.0.multipliedReportingOverflow(by: dim)
            return (product, acc.1 || o)
        }
        guard !overflow, expected == end - begin else {
            throw FormatError.malformed("safetensors entry '\(name)': shape \(shape) of \(dtypeName) needs \(expected) bytes, offsets give \(end - begin)", offset: 8)
        }
        let tensor = try Tensor(dtype: dtype, shape: shape, byteOrder: .little, storage: buffer.slice(begin, end - begin), name: name)
        return (tensor, begin, end)
    }

    private static func readMetadata(_ value: Any?) throws -> [(String, JSONValue)] {
        guard let map = value as? [String: Any] else {
            throw FormatError.malformed("safetensors __metadata__ is not an object", offset: 8)
        }
        return try map.keys.sorted().map { key in
            guard let text = map[key] as? String else {
                throw FormatError.malformed("safetensors __metadata__ value '\(key)' is not a string", offset: 8)
            }
            return (key, .string(text))
        }
    }

    /// Offsets sorted must start at 0, follow each other without gaps or overlap, and end at the file's end.
    private static func checkCoverage(_ spans: [(name: String, begin: Int, end: Int)], bufferSize: Int, dataStart: Int) throws {
        var position = 0
        for span in spans.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard span.begin == position else {
                throw FormatError.malformed("safetensors tensor '\(span.name)' starts at \(span.begin), expected \(position) (hole or overlap)", offset: dataStart + span.begin)
            }
            position = span.end
        }
        guard position == bufferSize else {
            throw FormatError.malformed("safetensors data is \(bufferSize) bytes but tensors cover \(position)", offset: dataStart + position)
        }
    }

    /// Top-level keys in file order (JSONSerialization loses it); also rejects duplicate keys.
    static func jsonKeyOrder(_ header: ByteRegion) throws -> [String] {
        var keys: [String] = []
        var seen = Set<String>()
        var depth = 0
        var i = 0
        let n = header.count
        var expectKey = false
        while i < n {
            let c = header[i]
            if c == UInt8(ascii: "\"") {
                let start = i + 1
                i += 1
                while i < n && header[i] != UInt8(ascii: "\"") { i += header[i] == UInt8(ascii: "\\") ? 2 : 1 }
                if depth == 1 && expectKey {
                    let raw = "\"" + String(decoding: header.slice(start, min(i, n) - start).bytes, as: UTF8.self) + "\""
                    let key = (try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: [.fragmentsAllowed]) as? String) ?? raw
                    guard seen.insert(key).inserted else {
                        throw FormatError.malformed("safetensors header repeats the key '\(key)'", offset: 8 + start)
                    }
                    keys.append(key)
                    expectKey = false
                }
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
                if depth == 1 { expectKey = true }
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
            } else if c == UInt8(ascii: ",") && depth == 1 {
                expectKey = true
            }
            i += 1
        }
        return keys
    }
}
