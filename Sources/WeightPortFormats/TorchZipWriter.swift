import WeightPortCore

/// Writes `torch.save`-compatible zip checkpoints that `torch.load(path, weights_only=True)`
/// loads, with and without `mmap=True` (FORMATS.md §4.7).
///
/// Layout: `<archive>/data.pkl`, `<archive>/byteorder` (`little`), `<archive>/data/0`, `data/1`, …
/// in the order data.pkl first references them, then `<archive>/version` (`3\n`). Every tensor
/// gets its own storage holding exactly its dense little-endian elements, streamed from the
/// source mapping. `.format_version` is deliberately omitted: with it, torch may precompute
/// storage offsets from miniz's exact layout instead of reading the headers (§4.6).
public enum TorchZipWriter {
    /// Writes a state dict the way `torch.save(model.state_dict(), path)` does (an `OrderedDict`).
    public static func write(_ tensors: StateDict, to path: String, overwrite: Bool = false) throws {
        try write(.stateDict(tensors), to: path, overwrite: overwrite)
    }

    /// Writes any data-only object, e.g. `{'model': state_dict, 'epoch': 12}`.
    /// - Parameter archiveName: the records' top-level folder; defaults to the file name's stem, as torch does.
    public static func write(_ object: PickleWritable, to path: String, archiveName: String? = nil,
                             overwrite: Bool = false) throws {
        let folder = archiveName ?? TorchZipWriter.archiveName(for: path)
        guard !folder.isEmpty, !folder.contains("/") else {
            throw WriterError.unsupportedValue("torch archive name '\(folder)' must be one non-empty folder name")
        }
        let (pickle, storages) = dataPickle(object)
        try AtomicFileWriter.write(to: path, overwrite: overwrite) { sink in
            // Each record adds at most a few hundred bytes of headers, padding and directory.
            sink.reserve(pickle.count + storages.reduce(0) { $0 + $1.byteCount + 512 } + (1 << 16))
            let zip = ZipArchiveWriter(sink: sink)
            try zip.addRecord(name: folder + "/data.pkl", bytes: pickle)
            try zip.addRecord(name: folder + "/byteorder", bytes: Array("little".utf8))
            // Slices of the source are checksummed ahead on one thread; tensors that need a
            // gathered copy are copied and checksummed one at a time, so one copy exists at once.
            let views = storages.map { WriterTensorBytes.isView($0) ? WriterTensorBytes.littleEndian($0) : nil }
            let checksums = ChecksumPipeline(views)
            for (index, tensor) in storages.enumerated() {
                let name = folder + "/data/\(index)"
                if let view = views[index] {
                    try zip.addRecord(name: name, data: view) { checksums.checksum(index) }
                } else {
                    try zip.addRecord(name: name, data: WriterTensorBytes.littleEndian(tensor))
                }
            }
            try zip.addRecord(name: folder + "/version", bytes: Array("3\n".utf8))
            try zip.finish()
        }
    }

    /// The file name without folder and extension (`out/r50.pth` → `r50`), or `archive`.
    public static func archiveName(for path: String) -> String {
        var name = Substring(AtomicPublisher.split(path).name)
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = name[..<dot] }
        return name.isEmpty ? "archive" : String(name)
    }

    /// data.pkl for `object`, and the tensors in storage-key order (key = index).
    static func dataPickle(_ object: PickleWritable) -> (pickle: [UInt8], storages: [Tensor]) {
        var storages: [Tensor] = []
        let pickle = dataPickle(object) { tensor in
            storages.append(tensor)
            return storages.count - 1
        }
        return (pickle, storages)
    }

    /// data.pkl for `object`, each tensor's storage key given by `key` (asked once per tensor,
    /// in the order data.pkl references them).
    static func dataPickle(_ object: PickleWritable, key: (Tensor) -> Int) -> [UInt8] {
        var writer = PickleWriter(stringStyle: .unicode)
        writer.write(object) { writer, tensor in encodeTensor(tensor, key: key(tensor), into: &writer) }
        writer.stop()
        return writer.bytes
    }

    /// `_rebuild_tensor_v2(pid, 0, size, stride, False, OrderedDict())`, or `_rebuild_tensor_v3`
    /// with an untyped storage and a trailing dtype for the types without a legacy storage class.
    static func encodeTensor(_ tensor: Tensor, key: Int, into writer: inout PickleWriter) {
        let legacy = legacyStorageName(tensor.dtype)
        writer.global("torch._utils", legacy == nil ? "_rebuild_tensor_v3" : "_rebuild_tensor_v2")
        writer.mark()
        // Persistent id ('storage', storage_type, key, location, numel) resolved by BINPERSID.
        writer.tuple(count: 5) { pid in
            pid.unicode("storage")
            if let legacy { pid.global("torch", legacy) } else { pid.global("torch.storage", "UntypedStorage") }
            pid.unicode(String(key))
            pid.unicode("cpu")
            // Typed storages count elements; untyped storages count bytes (PT-ser persistent_id).
            pid.int(legacy == nil ? tensor.byteCount : tensor.count)
        }
        writer.persistentID()
        writer.int(0)
        writer.intTuple(tensor.shape)
        writer.intTuple(Tensor.contiguousStrides(tensor.shape))
        writer.bool(false)
        writer.global("collections", "OrderedDict")
        writer.emptyTuple()
        writer.reduce()
        if legacy == nil { writer.global("torch", tensor.dtype.rawValue) }
        writer.tupleFromMark()
        writer.reduce()
    }

    /// `torch.<Name>Storage` for dtypes torch pickles with `_rebuild_tensor_v2` (PT-storage
    /// `_dtype_to_storage_type_map`); nil for the "new" dtypes that need `_rebuild_tensor_v3`.
    static func legacyStorageName(_ dtype: DType) -> String? {
        switch dtype {
        case .float32: return "FloatStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .float64: return "DoubleStorage"
        case .int8: return "CharStorage"
        case .int16: return "ShortStorage"
        case .int32: return "IntStorage"
        case .int64: return "LongStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        case .complex64: return "ComplexFloatStorage"
        case .complex128: return "ComplexDoubleStorage"
        case .uint16, .uint32, .uint64, .float8_e4m3fn, .float8_e5m2: return nil
        }
    }
}
