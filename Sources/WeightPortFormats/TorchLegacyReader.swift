import WeightPortCore

/// Reads the pre-1.6 `torch.save` stream (FORMATS.md §5): magic number, protocol version,
/// sys_info, the object pickle, the sorted storage-key list, then per key an int64 element count
/// and the raw little-endian elements. Storages are sliced from the file, never copied.
public enum TorchLegacyReader: WeightFileReader {
    /// `0x1950A86A20F9469CFC6C` as LONG1 payload bytes (little-endian).
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    public static func read(_ bytes: ByteRegion) throws -> WeightFile {
        guard bytes.count > 0 else { throw FormatError.empty }
        if bytes.count >= 262, String(decoding: bytes.slice(257, 5).bytes, as: UTF8.self) == "ustar" {
            throw FormatError.unsupported("legacy torch tar format (torch < 0.4); re-save it with a current torch", offset: 257)
        }
        var unpickler = Unpickler(bytes)
        guard case .bigInt(let number) = try unpickler.load(), number == magic else {
            throw FormatError.malformed("not a legacy torch file (magic number missing)", offset: 0)
        }
        let protocolStart = unpickler.position
        guard case .int(let protocolVersion) = try unpickler.load(), protocolVersion == 1001 else {
            throw FormatError.unsupported("legacy torch protocol version (expected 1001)", offset: protocolStart)
        }
        let littleEndian = try checkSysInfo(try unpickler.load(), offset: unpickler.position)
        let resolver = LegacyStorages()
        var objects = Unpickler(bytes, persistentLoad: { pid, offset in try resolver.storage(pid, offset: offset) })
        try objects.seek(to: unpickler.position)
        let root = try objects.load()
        let keys = try objects.load()
        try resolver.readData(keys, bytes: bytes, start: objects.position)
        var flattener = CheckpointFlattener()
        try flattener.add(root, path: "")
        let metadata: [(String, JSONValue)] = [
            ("protocol_version", .int(protocolVersion)), ("little_endian", .bool(littleEndian)),
            ("non_tensor_entries", .object(flattener.entries)),
        ] + CheckpointConfigText.entries(root)
        return WeightFile(format: WeightFormat.torchLegacy.rawValue, tensors: StateDict(flattener.tensors), metadata: metadata)
    }

    /// Storage bytes are always written little-endian; a big-endian `sys_info` means a writer
    /// WeightPort has never seen, so it is refused rather than guessed.
    static func checkSysInfo(_ value: PickleValue, offset: Int) throws -> Bool {
        guard case .dict(let info) = value else {
            throw FormatError.malformed("legacy torch sys_info is \(value.kindDescription), not a dict", offset: offset)
        }
        guard case .bool(let little)? = info["little_endian"] else { return true }
        guard little else { throw FormatError.unsupported("legacy torch file written on a big-endian machine", offset: offset) }
        return little
    }

    /// Storages named by the object pickle, filled with data once the key list has been read.
    final class LegacyStorages {
        var roots: [String: PickleStorage] = [:]
        var views: [(view: PickleStorage, root: String, offset: Int, count: Int)] = []

        /// `('storage', storage_type, root_key, location, numel, view_metadata)`.
        func storage(_ pid: PickleValue, offset: Int) throws -> PickleValue {
            guard let items = pid.sequence, items.count >= 6, items[0].text == "storage", let key = items[2].text else {
                throw FormatError.unsupported("legacy torch persistent id is not a ('storage', …) tuple", offset: offset)
            }
            guard let dtype = try TorchTensorRebuild.storageType(items[1], offset: offset) else {
                throw FormatError.unsupported("untyped storage in a legacy torch file", offset: offset)
            }
            let root = roots[key] ?? PickleStorage(key: key, dtype: dtype, region: nil)
            guard root.dtype == dtype else { throw FormatError.malformed("legacy storage \(key) used with two dtypes", offset: offset) }
            roots[key] = root
            guard let view = items[5].sequence else { return .storage(root) }
            guard view.count == 3, let viewKey = view[0].text, let start = view[1].intValue, let count = view[2].intValue,
                  start >= 0, count >= 0 else {
                throw FormatError.malformed("legacy torch storage view metadata", offset: offset)
            }
            let storage = PickleStorage(key: viewKey, dtype: dtype, region: nil)
            views.append((storage, key, start, count))
            return .storage(storage)
        }

        /// Per key of the sorted key list: int64 LE element count, then the elements.
        func readData(_ keys: PickleValue, bytes: ByteRegion, start: Int) throws {
            guard let items = keys.sequence else { throw FormatError.malformed("legacy torch key list is missing", offset: start) }
            var cursor = ByteCursor(bytes)
            try cursor.seek(to: start)
            for item in items {
                guard let key = item.text, let storage = roots[key], let dtype = storage.dtype else {
                    throw FormatError.malformed("legacy torch key list names an unknown storage", offset: cursor.fileOffset)
                }
                let countOffset = cursor.fileOffset
                let count = try cursor.readLE(Int64.self, "storage \(key) element count")
                let (length, overflow) = Int(clamping: count).multipliedReportingOverflow(by: dtype.size)
                guard count >= 0, !overflow else {
                    throw FormatError.malformed("legacy storage \(key) declares \(count) elements", offset: countOffset)
                }
                storage.region = try cursor.readRegion(length, "storage \(key) data")
            }
            for view in views {
                guard let region = roots[view.root]?.region, let size = view.view.dtype?.size else {
                    throw FormatError.malformed("legacy storage view of \(view.root) has no data", offset: nil)
                }
                let (end, overflow) = view.offset.addingReportingOverflow(view.count)
                guard !overflow, end <= region.count / size else {
                    throw FormatError.storageOverflow(tensor: "storage view \(view.view.key)", neededBytes: overflow ? Int.max : end * size, availableBytes: region.count)
                }
                view.view.region = region.slice(view.offset * size, view.count * size)
            }
        }
    }
}
