import WeightPortCore

/// Writes safetensors files byte-identical to the reference Rust writer's (FORMATS.md §6):
/// tensors ordered by descending dtype rank then name, compact JSON header with `__metadata__`
/// first, padded with spaces to a multiple of 8 so every tensor is naturally aligned.
public enum SafetensorsWriter {
    /// Writes `tensors` to `path`. `metadata` is merged over `{"format": "pt"}`, which
    /// Hugging Face loaders expect.
    public static func write(_ tensors: StateDict, to path: String, metadata: [String: String] = [:],
                             overwrite: Bool = false) throws {
        let layout = try plan(tensors, metadata: metadata)
        try AtomicFileWriter.write(to: path, overwrite: overwrite) { sink in
            sink.reserve(8 + layout.header.count + tensors.reduce(0) { $0 + $1.tensor.byteCount })
            try sink.write(withUnsafeBytes(of: UInt64(layout.header.count).littleEndian) { Array($0) })
            try sink.write(layout.header)
            for name in layout.order {
                guard let tensor = tensors[name] else { continue }
                try sink.write(WriterTensorBytes.littleEndian(tensor))
            }
        }
    }

    /// The padded JSON header and the order the tensors' bytes follow it in.
    static func plan(_ tensors: StateDict, metadata: [String: String]) throws(WriterError) -> (header: [UInt8], order: [String]) {
        let entries = try sortedEntries(tensors)
        var offset = 0
        let placed = entries.map { entry in
            defer { offset += entry.tensor.byteCount }
            return (entry, offset..<(offset + entry.tensor.byteCount))
        }
        var header = headerJSON(placed, metadata: metadata)
        // Spaces up to a multiple of 8: the data then starts 8-aligned, as the reference pads it.
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        return (header, entries.map(\.name))
    }

    /// A tensor as the header names it.
    struct Entry {
        let name: String
        let tensor: Tensor
        let code: String
        let rank: Int
    }

    /// The tensors in the reference's order: descending dtype rank, then name by UTF-8 bytes.
    static func sortedEntries(_ tensors: StateDict) throws(WriterError) -> [Entry] {
        var entries: [Entry] = []
        for (name, tensor) in tensors {
            guard let code = SafetensorsReader.code(for: tensor.dtype), let rank = rank(code) else {
                throw .unsupportedDType(tensor: name, dtype: tensor.dtype, format: "safetensors")
            }
            entries.append(Entry(name: name, tensor: tensor, code: code, rank: rank))
        }
        entries.sort { a, b in
            a.rank != b.rank ? a.rank > b.rank : Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
        return entries
    }

    /// The compact JSON header, unpadded: `__metadata__` (merged over `{"format": "pt"}`) first,
    /// then each entry with its byte range in the data section.
    static func headerJSON(_ placed: [(Entry, Range<Int>)], metadata: [String: String]) -> [UInt8] {
        var merged = ["format": "pt"]
        merged.merge(metadata) { _, caller in caller }
        var json = "{\"__metadata__\":{"
        json += merged.keys.sorted().map { JSONValue.quoted($0) + ":" + JSONValue.quoted(merged[$0] ?? "") }.joined(separator: ",")
        json += "}"
        for (entry, range) in placed {
            json += "," + JSONValue.quoted(entry.name) + ":{\"dtype\":\"\(entry.code)\",\"shape\":["
            json += entry.tensor.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(range.lowerBound),\(range.upperBound)]}"
        }
        json += "}"
        return Array(json.utf8)
    }

    /// Position in the reference's `Dtype` enum; the reference sorts by it, largest first.
    static func rank(_ code: String) -> Int? {
        let order = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
                     "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
        return order.firstIndex(of: code)
    }
}
