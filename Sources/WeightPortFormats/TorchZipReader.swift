import Foundation
import WeightPortCore

/// Reads a `torch.save` zip archive (PyTorch ≥ 1.6; FORMATS.md §4) without copying tensor data:
/// each storage record is sliced out of the mapped file once and shared by all its views.
public enum TorchZipReader: WeightFileReader {
    public static func read(_ bytes: ByteRegion) throws -> WeightFile {
        guard bytes.count > 0 else { throw FormatError.empty }
        let directory = try ZipDirectory(bytes)
        let (archive, records) = try self.records(directory)
        if records["constants.pkl"] != nil {
            throw FormatError.unsupported("TorchScript archive (has constants.pkl), not a checkpoint saved with torch.save; load it in torch and save its state_dict()", offset: nil)
        }
        let version = try self.version(directory, records)
        let byteOrder = try self.byteOrder(directory, records)
        guard let pickle = records["data.pkl"] else {
            throw FormatError.malformed("torch archive '\(archive)' has no data.pkl", offset: nil)
        }
        let resolver = StorageResolver(directory: directory, records: records, byteOrder: byteOrder)
        var unpickler = Unpickler(try directory.storedData(pickle), baseOffset: try directory.dataOffset(pickle)) { pid, offset in
            try resolver.storage(pid, offset: offset)
        }
        let root = try unpickler.load()
        var flattener = CheckpointFlattener()
        try flattener.add(root, path: "")
        let metadata: [(String, JSONValue)] = [
            ("archive", .string(archive)), ("version", .int(version)), ("byteorder", .string(byteOrder.rawValue)),
            ("non_tensor_entries", .object(flattener.entries)),
        ] + CheckpointConfigText.entries(root)
        return WeightFile(format: WeightFormat.torchZip.rawValue, tensors: StateDict(flattener.tensors), metadata: metadata)
    }

    /// The archive folder (before the first `/` of the first entry) and its records by inner name.
    static func records(_ directory: ZipDirectory) throws -> (String, [String: ZipDirectory.Entry]) {
        guard let first = directory.entries.first else { throw FormatError.malformed("torch archive has no records", offset: nil) }
        guard let slash = first.name.firstIndex(of: "/") else {
            throw FormatError.malformed("torch archive record '\(first.name)' is not inside a folder", offset: first.localHeaderOffset)
        }
        let archive = String(first.name[..<slash])
        var records: [String: ZipDirectory.Entry] = [:]
        for entry in directory.entries where entry.name.hasPrefix(archive + "/") {
            records[String(entry.name.dropFirst(archive.count + 1))] = entry
        }
        return (archive, records)
    }

    /// `.data/version` or `version`: mandatory, decimal, within torch's supported 1…10.
    static func version(_ directory: ZipDirectory, _ records: [String: ZipDirectory.Entry]) throws -> Int {
        guard let entry = records[".data/version"] ?? records["version"] else {
            throw FormatError.malformed("torch archive has no 'version' record", offset: nil)
        }
        let text = try recordText(directory, entry).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let version = Int(text), (1...10).contains(version) else {
            throw FormatError.unsupported("torch archive format version \(text.prefix(20)) (torch reads 1…10)", offset: entry.localHeaderOffset)
        }
        return version
    }

    /// `byteorder` record; absent means little-endian, as torch assumes.
    static func byteOrder(_ directory: ZipDirectory, _ records: [String: ZipDirectory.Entry]) throws -> ByteOrder {
        guard let entry = records["byteorder"] else { return .little }
        let text = try recordText(directory, entry).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let order = ByteOrder(rawValue: text) else {
            throw FormatError.malformed("torch archive byteorder '\(text.prefix(20))'", offset: entry.localHeaderOffset)
        }
        return order
    }

    static func recordText(_ directory: ZipDirectory, _ entry: ZipDirectory.Entry) throws -> String {
        let data = try directory.storedData(entry)
        guard data.count <= 256 else { throw FormatError.malformed("torch record '\(entry.name)' is too long", offset: entry.localHeaderOffset) }
        return String(decoding: data.bytes, as: UTF8.self)
    }

    /// Hands out one `PickleStorage` per key (so views share it), sliced from `data/<key>`.
    final class StorageResolver {
        let directory: ZipDirectory
        let records: [String: ZipDirectory.Entry]
        let byteOrder: ByteOrder
        var cache: [String: PickleStorage] = [:]

        init(directory: ZipDirectory, records: [String: ZipDirectory.Entry], byteOrder: ByteOrder) {
            self.directory = directory
            self.records = records
            self.byteOrder = byteOrder
        }

        /// `('storage', storage_type, key, location, numel)`.
        func storage(_ pid: PickleValue, offset: Int) throws -> PickleValue {
            guard let items = pid.sequence, items.count >= 5, items[0].text == "storage", let key = items[2].text,
                  let numel = items[4].intValue, numel >= 0 else {
                throw FormatError.unsupported("torch persistent id is not a ('storage', …) tuple", offset: offset)
            }
            let dtype = try TorchTensorRebuild.storageType(items[1], offset: offset)
            if let cached = cache[key] { return .storage(cached) }
            guard let entry = records["data/" + key] else {
                throw FormatError.malformed("torch archive has no record data/\(key)", offset: offset)
            }
            let data = try directory.storedData(entry)
            let (needed, overflow) = numel.multipliedReportingOverflow(by: dtype?.size ?? 1)
            guard !overflow, needed <= data.count else {
                throw FormatError.truncated(what: "storage data/\(key)", offset: try directory.dataOffset(entry), needed: overflow ? Int.max : needed, available: data.count)
            }
            let storage = PickleStorage(key: key, dtype: dtype, region: data.slice(0, needed), byteOrder: byteOrder)
            cache[key] = storage
            return .storage(storage)
        }
    }
}
