import CHDF5
import Foundation
import WeightPortCore

/// A value for an HDF5 attribute. Strings are written as variable-length UTF-8 (what h5py
/// writes for Python `str`); JSON values are serialized to a string attribute.
public enum HDF5AttributeValue: Sendable, Equatable {
    case string(String)
    case strings([String])
    case int(Int)
    case double(Double)
    case json(JSONValue)
}

/// An HDF5 file being written through libhdf5 — the bundle writer's building block.
///
/// Datasets are stored as h5py stores NumPy arrays (FORMATS.md §7.1): little-endian IEEE and
/// two's-complement types, float16 as a 16-bit IEEE float type, bool as an enum
/// `{FALSE=0, TRUE=1}` over int8, bfloat16 as 2-byte opaque values plus the attribute
/// `dtype="bfloat16"`. Missing groups along a path are created. With `compress`, data is
/// chunked, byte-shuffled and deflated (level 4). Every libhdf5 call is serialised through the
/// module's lock, so an `HDF5File` may be used from any thread; calls from several threads at
/// once are safe but run one after another.
public final class HDF5File: @unchecked Sendable {
    // @unchecked: `file` and `placed` are only touched under HDF5Library's lock.
    private var file: wp_hid_t
    public let path: String
    /// Uncompressed datasets' bytes, which libhdf5 only placed: `writePlacedData` writes them.
    private var placed = HDF5PlacedData()

    private init(file: wp_hid_t, path: String) {
        self.file = file
        self.path = path
    }

    /// Creates (or truncates) the file at `path`.
    public static func create(path: String) throws -> HDF5File {
        try HDF5Library.locked {
            let id = try HDF5Library.check(wp_h5_create(path), "create the file \(path)")
            return HDF5File(file: id, path: path)
        }
    }

    /// Reserves disk space for about `bytes` of file before the datasets are written, so the
    /// file system allocates one extent instead of a delayed allocation per page. A hint: where
    /// it cannot be done nothing happens. Space beyond the final size stays allocated until the
    /// file is truncated to its size (`BundleWriter` does that after closing).
    public func reserve(_ bytes: Int) {
        _ = try? HDF5Library.locked { wp_h5_reserve(try openFile(), Int64(bytes)) }
    }

    deinit {
        if file >= 0 { _ = try? HDF5Library.locked { wp_h5_close_file(file) } }
    }

    /// Creates the group `path` and any missing groups above it (existing groups are kept).
    public func createGroup(_ path: String) throws {
        let name = HDF5File.normalized(path)
        guard !name.isEmpty else { return }
        try HDF5Library.locked {
            try HDF5Library.check(wp_h5_ensure_group(try openFile(), "/" + name), "create the group", path: name)
        }
    }

    /// Writes `tensor` (any layout or byte order; written C-order little-endian) as dataset `path`.
    public func writeDataset(path: String, tensor: Tensor, compress: Bool = false) throws {
        let name = HDF5File.normalized(path)
        guard let code = HDF5ElementType.code(for: tensor.dtype) else {
            throw HDF5Error.unsupported("dtype \(tensor.dtype.rawValue) has no HDF5 representation here", path: name)
        }
        let bytes = tensor.contiguousBytes()
        let dims = tensor.shape.map { UInt64($0) }
        try HDF5Library.locked {
            var offset = UInt64.max
            let dataset = try HDF5Library.check(
                wp_h5_write_dataset(try openFile(), "/" + name, code, Int32(dims.count), dims, bytes.base, compress ? 1 : 0, &offset),
                "write the dataset", path: name)
            defer { _ = wp_h5_close_object(dataset) }
            if offset != UInt64.max { placed.append(offset: offset, bytes: bytes) }
            if tensor.dtype == .bfloat16 {
                try HDF5File.setAttribute("dtype", .string("bfloat16"), object: dataset, path: name)
            }
        }
    }

    /// Sets attribute `name` on the object at `path` (`"/"` or `""` for the root), replacing any.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on path: String = "/") throws {
        let objectPath = HDF5File.normalized(path)
        try HDF5Library.locked {
            let object = try HDF5Library.check(wp_h5_open_object(try openFile(), "/" + objectPath), "open", path: objectPath)
            defer { _ = wp_h5_close_object(object) }
            try HDF5File.setAttribute(name, value, object: object, path: objectPath)
        }
    }

    /// Flushes and closes the file, then writes the datasets' bytes that were only placed;
    /// later calls throw. Closing twice is harmless. Until `close` returns, the file is incomplete.
    public func close() throws {
        let wasOpen = try HDF5Library.locked {
            guard file >= 0 else { return false }
            let status = wp_h5_close_file(file)
            file = -1
            try HDF5Library.check(status, "close the file", path: nil)
            return true
        }
        guard wasOpen else { return }
        try writePlacedData()
    }

    /// Writes the bytes of the datasets created so far that libhdf5 only placed (through a
    /// descriptor of this process's own: libhdf5 never touches that space, so this may run
    /// while the file is open). `close` writes any left.
    public func writePlacedData() throws {
        let pending = try HDF5Library.locked { () -> HDF5PlacedData in
            defer { placed = HDF5PlacedData() }
            return placed
        }
        try pending.write(into: path)
    }

    private func openFile() throws -> wp_hid_t {
        guard file >= 0 else { throw HDF5Error.library(operation: "write", message: "the file is closed", path: nil) }
        return file
    }

    private static func setAttribute(_ name: String, _ value: HDF5AttributeValue, object: wp_hid_t, path: String) throws {
        let status: Int32
        switch value {
        case .string(let text): status = wp_h5_write_string_attribute(object, name, text)
        case .json(let json): status = wp_h5_write_string_attribute(object, name, json.serialized())
        case .int(let v): status = wp_h5_write_int_attribute(object, name, Int64(v))
        case .double(let v): status = wp_h5_write_double_attribute(object, name, v)
        case .strings(let texts): status = writeStrings(texts, name: name, object: object)
        }
        try HDF5Library.check(status, "write attribute '\(name)'", path: path)
    }

    private static func writeStrings(_ texts: [String], name: String, object: wp_hid_t) -> Int32 {
        // strdup'd copies give stable C pointers for the duration of the call.
        let pointers = texts.map { strdupOrEmpty($0) }
        defer { pointers.forEach { free($0) } }
        let constPointers = pointers.map { $0.map { UnsafePointer<CChar>($0) } }
        return constPointers.withUnsafeBufferPointer { wp_h5_write_strings_attribute(object, name, $0.baseAddress, $0.count) }
    }

    private static func strdupOrEmpty(_ text: String) -> UnsafeMutablePointer<CChar>? { strdup(text) }

    /// Paths are written relative to the root; leading and doubled slashes are dropped.
    static func normalized(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }
}
