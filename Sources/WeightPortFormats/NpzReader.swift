import WeightPortCore

/// Reads NumPy `.npz` archives: a zip whose members are `.npy` images.
///
/// Each member `<name>.npy` becomes the tensor `<name>`. Stored members (`np.savez`) are viewed
/// in place without a copy (after a CRC-32 check); deflated members (`np.savez_compressed`) are inflated through
/// libzip into their own regions, size- and CRC-checked. Members that are not `.npy` files are
/// listed in the metadata under `other_members` and otherwise ignored.
public enum NpzReader: WeightFileReader {
    public static func read(_ bytes: ByteRegion) throws -> WeightFile {
        let directory = try ZipDirectory(bytes)
        var inflater: ZipInflater?
        var tensors: [(String, Tensor)] = []
        var others: [JSONValue] = []
        for entry in directory.entries where !entry.name.hasSuffix("/") {
            guard entry.name.hasSuffix(".npy") else {
                others.append(.string(entry.name))
                continue
            }
            let name = String(entry.name.dropLast(4))
            let (data, offset) = try memberBytes(entry, directory: directory, bytes: bytes, inflater: &inflater)
            tensors.append((name, try NpyReader.readArray(data, name: name, baseOffset: offset)))
        }
        if tensors.isEmpty && !others.isEmpty {
            throw FormatError.unsupported("zip archive holds no .npy arrays and is not a torch.save archive (first member '\(others[0].serialized())')", offset: nil)
        }
        let metadata: [(String, JSONValue)] = others.isEmpty ? [] : [("other_members", .array(others))]
        return WeightFile(format: WeightFormat.npz.rawValue, tensors: StateDict(tensors), metadata: metadata)
    }

    /// The member's uncompressed bytes and the file offset they start at (0 when inflated).
    private static func memberBytes(_ entry: ZipDirectory.Entry, directory: ZipDirectory, bytes: ByteRegion,
                                    inflater: inout ZipInflater?) throws(FormatError) -> (ByteRegion, Int) {
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw .malformed("stored zip record '\(entry.name)' has different compressed (\(entry.compressedSize)) and uncompressed (\(entry.uncompressedSize)) sizes", offset: entry.localHeaderOffset)
            }
            let data = try directory.storedData(entry)
            // Reading the bytes once for the CRC costs page-cache time, not memory: still zero-copy.
            guard FastCRC32.checksum(data.bytes) == entry.crc32 else {
                throw .malformed("zip record '\(entry.name)' fails its CRC-32 check", offset: entry.localHeaderOffset)
            }
            return (data, try directory.dataOffset(entry))
        case 8:
            if inflater == nil { inflater = try ZipInflater(bytes) }
            guard let inflater else { return (.empty, 0) }
            return (try inflater.inflate(entry), 0)
        default:
            throw .unsupported("zip record '\(entry.name)' uses compression method \(entry.method) (only stored and deflate)", offset: entry.localHeaderOffset)
        }
    }
}
