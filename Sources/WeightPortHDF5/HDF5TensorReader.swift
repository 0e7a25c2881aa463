import CHDF5
import Foundation
import WeightPortCore

/// Reads every dataset of an HDF5 file through libhdf5 (format `hdf5`).
///
/// * Each numeric dataset anywhere in the file becomes a tensor named by its path without the
///   leading `/` (`model_weights/conv1/conv1/kernel:0`). Integers, floats (16/32/64-bit), bool
///   enums and 2-byte opaque values (bfloat16) are read; libhdf5 converts big-endian and other
///   stored layouts to little-endian host order while reading into a fresh region.
/// * Metadata: root attributes under their own names; attributes of other objects under
///   `<path>@<name>`; string datasets under their path. Scalars become single JSON values,
///   arrays JSON arrays (flattened); strings may be fixed- or variable-length. Datasets of other
///   types (compound, references, …) are listed under `unsupported_datasets` and skipped.
///
/// A file libhdf5 cannot open gives one `HDF5Error`, never a printed error stack.
///
/// `read` runs libhdf5 in a child process (`HDF5IsolatedReader`): libhdf5 1.10 crashes, hangs or
/// allocates without bound on some corrupt files, and that must not take the caller down.
/// `readInProcess` calls libhdf5 in this process, for files the caller trusts (and for the child).
public enum HDF5TensorReader {
    /// Attributes larger than this many elements are left out of the metadata.
    static let maxAttributeElements = 1 << 20

    /// Reads the file at `path` in an isolated child process (see the type's description).
    public static func read(path: String, limits: HDF5ReadLimits? = nil) throws(HDF5Error) -> WeightFile {
        try HDF5IsolatedReader.read(path: path, limits: limits)
    }

    /// As `read(path:)`, with the caller's map of the file: datasets stored contiguously as they
    /// lie in memory (WeightPort's bundles, h5py's uncompressed arrays) become slices of it.
    public static func read(path: String, mapped: ByteRegion, limits: HDF5ReadLimits? = nil) throws(HDF5Error) -> WeightFile {
        try HDF5IsolatedReader.read(path: path, mapped: mapped, limits: limits)
    }

    /// Reads a file held in memory in an isolated child process.
    public static func read(_ bytes: ByteRegion, limits: HDF5ReadLimits? = nil) throws(HDF5Error) -> WeightFile {
        try HDF5IsolatedReader.read(bytes, limits: limits)
    }

    /// Where a dataset's values are read to: `bytes` of storage, filled once by the closure.
    /// `stored` is the file offset where the same bytes already lie (a contiguous, unfiltered
    /// dataset stored in the memory layout), which an allocator may slice instead of reading.
    typealias Allocator = (_ bytes: Int, _ stored: Int?, _ fill: (UnsafeMutableRawBufferPointer) -> Void) throws -> ByteRegion

    /// Reads every dataset through libhdf5 into fresh memory.
    static func reading(_ count: Int, _ stored: Int?, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> ByteRegion {
        ByteRegion(count: count, fill: fill)
    }

    /// Reads the file at `path` with libhdf5 in this process: only for files from a trusted source.
    public static func readInProcess(path: String) throws -> WeightFile {
        try readInProcess(path: path, allocate: reading)
    }

    /// As `readInProcess(path:)`, the datasets' values read into storage from `allocate` (the
    /// isolated reader's child reads them straight into the memory file it hands back).
    static func readInProcess(path: String, allocate: Allocator) throws -> WeightFile {
        try HDF5Library.locked {
            let file = try HDF5Library.check(wp_h5_open_read(path), "open the file as HDF5")
            defer { _ = wp_h5_close_file(file) }
            var info = stat()
            let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
            return try read(file: file, limit: byteLimit(fileSize: size), allocate: allocate)
        }
    }

    /// Reads a file held in memory with libhdf5 in this process (libhdf5 copies the image): only
    /// for bytes from a trusted source.
    public static func readInProcess(_ bytes: ByteRegion) throws -> WeightFile {
        try readInProcess(bytes, allocate: reading)
    }

    static func readInProcess(_ bytes: ByteRegion, allocate: Allocator) throws -> WeightFile {
        try HDF5Library.locked {
            let file = try HDF5Library.check(wp_h5_open_image(bytes.base, bytes.count), "open the bytes as HDF5")
            defer { _ = wp_h5_close_file(file) }
            return try read(file: file, limit: byteLimit(fileSize: bytes.count), allocate: allocate)
        }
    }

    private static func read(file: wp_hid_t, limit: Int, allocate: Allocator) throws -> WeightFile {
        var metadata = try attributes(of: file, prefix: "")
        var tensors: [(String, Tensor)] = []
        var skipped: [JSONValue] = []
        for (objectPath, kind) in try objects(in: file) where kind != Int32(WP_H5_OTHER) {
            let object = try HDF5Library.check(wp_h5_open_object(file, objectPath), "open", path: objectPath)
            defer { _ = wp_h5_close_object(object) }
            if kind == Int32(WP_H5_DATASET) {
                let d = try HDF5ElementType.describe(object, isAttribute: false, path: objectPath)
                if d.isString {
                    metadata.append((objectPath, try strings(object, d, isAttribute: false, path: objectPath)))
                } else {
                    do {
                        tensors.append((objectPath, try tensor(object, in: file, d, path: objectPath, limit: limit, allocate: allocate)))
                    } catch HDF5Error.unsupported(let reason, _) {
                        // One exotic dataset (compound, reference, …) should not hide the weights.
                        skipped.append(.string("\(objectPath): \(reason)"))
                    }
                }
            }
            metadata += try attributes(of: object, prefix: objectPath + "@")
        }
        if !skipped.isEmpty { metadata.append(("unsupported_datasets", .array(skipped))) }
        return WeightFile(format: "hdf5", tensors: StateDict(tensors), metadata: metadata)
    }

    /// Most bytes one dataset may expand to: deflate cannot exceed ~1032:1 over the whole file.
    private static func byteLimit(fileSize: Int) -> Int {
        let (scaled, overflow) = fileSize.multipliedReportingOverflow(by: 1100)
        return overflow ? Int.max : max(scaled, 64 << 20)
    }

    /// Paths and kinds of every object below the root, in creation (else name) order.
    static func objects(in file: wp_hid_t) throws -> [(String, Int32)] {
        final class Box { var items: [(String, Int32)] = [] }
        let box = Box()
        let context = Unmanaged.passUnretained(box).toOpaque()
        let status = wp_h5_visit(file, { path, kind, context in
            guard let path, let context else { return -1 }
            Unmanaged<Box>.fromOpaque(context).takeUnretainedValue().items.append((String(cString: path), kind))
            return 0
        }, context)
        try HDF5Library.check(status, "list the objects of the file")
        return withExtendedLifetime(box) { box.items }
    }

    private static func tensor(_ object: wp_hid_t, in file: wp_hid_t, _ d: HDF5ElementType.Description, path: String,
                               limit: Int, allocate: Allocator) throws -> Tensor {
        let element = try HDF5ElementType(d, path: path)
        let (bytes, overflow) = d.count.multipliedReportingOverflow(by: element.dtype.size)
        guard !overflow, bytes <= limit else {
            throw HDF5Error.limitExceeded("dataset of shape \(d.shape) would need \(overflow ? "too many" : String(bytes)) bytes", path: path)
        }
        var status: Int32 = 0
        var offset: UInt64 = 0, length: UInt64 = 0
        let stored = bytes > 0 && wp_h5_raw_location(file, object, element.memoryCode, &offset, &length) == 1
            && length == UInt64(bytes) && offset <= UInt64(Int.max) ? Int(offset) : nil
        let storage = try allocate(bytes, stored) { buffer in
            if bytes > 0 { status = wp_h5_read(object, 0, element.memoryCode, buffer.baseAddress) }
        }
        try HDF5Library.check(status, "read the dataset", path: path)
        return try Tensor(dtype: element.dtype, shape: d.shape, byteOrder: .host, storage: storage, name: path)
    }

    /// Every attribute of `object` as metadata pairs named `prefix + name`.
    static func attributes(of object: wp_hid_t, prefix: String) throws -> [(String, JSONValue)] {
        final class Box { var names: [String] = [] }
        let box = Box()
        let status = wp_h5_attribute_names(object, { name, context in
            guard let name, let context else { return -1 }
            Unmanaged<Box>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }, Unmanaged.passUnretained(box).toOpaque())
        try HDF5Library.check(status, "list the attributes", path: prefix.isEmpty ? nil : prefix)
        return try withExtendedLifetime(box) {
            try box.names.compactMap { name in
                let label = prefix + name
                let attribute = try HDF5Library.check(wp_h5_open_attribute(object, name), "open attribute", path: label)
                defer { _ = wp_h5_close_attribute(attribute) }
                return try attributeValue(attribute, path: label).map { (label, $0) }
            }
        }
    }

    private static func attributeValue(_ attribute: wp_hid_t, path: String) throws -> JSONValue? {
        let d = try HDF5ElementType.describe(attribute, isAttribute: true, path: path)
        guard d.count <= maxAttributeElements else { return nil }
        if d.isString { return try strings(attribute, d, isAttribute: true, path: path) }
        guard let element = try? HDF5ElementType(d, path: path), element.dtype != .bfloat16 else { return nil }
        let wide: (DType, Int32) = element.dtype.isFloatingPoint ? (.float64, Int32(WP_H5_FLOAT64))
            : element.dtype == .bool ? (.bool, Int32(WP_H5_BOOL)) : (.int64, Int32(WP_H5_INT64))
        var status: Int32 = 0
        let storage = ByteRegion(count: d.count * wide.0.size) { buffer in
            if d.count > 0 { status = wp_h5_read(attribute, 1, wide.1, buffer.baseAddress) }
        }
        try HDF5Library.check(status, "read attribute", path: path)
        let values: [JSONValue] = (0..<d.count).map { i in
            switch wide.0 {
            case .float64: return .double(storage.base.loadUnaligned(fromByteOffset: i * 8, as: Double.self))
            case .bool: return .bool(storage[i] != 0)
            default: return .int(Int(storage.base.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
            }
        }
        return d.shape.isEmpty ? values.first : .array(values)
    }

    /// A string dataset or attribute: one string for a scalar, else an array (flattened).
    private static func strings(_ object: wp_hid_t, _ d: HDF5ElementType.Description, isAttribute: Bool, path: String) throws -> JSONValue {
        let (needed, overflow) = d.count.multipliedReportingOverflow(by: max(d.size, 8))
        guard d.count <= maxAttributeElements, !overflow, needed <= 64 << 20 else {
            return .string("<\(d.count) strings not read>")
        }
        var raw: UnsafeMutablePointer<CChar>?
        var total = 0, count = 0
        try HDF5Library.check(wp_h5_read_strings(object, isAttribute ? 1 : 0, &raw, &total, &count), "read strings", path: path)
        defer { wp_h5_free(raw) }
        guard let raw else { return .array([]) }
        let bytes = UnsafeRawBufferPointer(start: raw, count: total)
        let values = bytes.split(separator: 0, omittingEmptySubsequences: false).prefix(count)
            .map { JSONValue.string(String(decoding: $0, as: UTF8.self)) }
        return d.shape.isEmpty ? (values.first ?? .string("")) : .array(Array(values))
    }
}
