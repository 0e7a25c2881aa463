import Foundation
import WeightPortCore

/// Writes a WeightPort HDF5 bundle: canonical tensors with their provenance, readable by h5py
/// with no custom filters. The file appears at its destination only when complete.
public enum BundleWriter {
    /// One tensor to store, with where it came from.
    public struct Entry: Sendable {
        public let canonical: String
        public let tensor: Tensor
        public let sourceName: String
        public let sourceDType: String
        /// How the values differ from the source tensor's; nil when copied unchanged.
        public let transform: String?

        public init(canonical: String, tensor: Tensor, sourceName: String, sourceDType: String, transform: String?) {
            self.canonical = canonical
            self.tensor = tensor
            self.sourceName = sourceName
            self.sourceDType = sourceDType
            self.transform = transform
        }
    }

    /// Writes `entries`, then the root attributes `attributes` returns (called after the
    /// datasets, so it may wait for work done meanwhile, such as a checksum), plus `/parity`.
    public static func write(_ entries: [Entry], attributes: () throws -> [(String, HDF5AttributeValue)], parity: JSONValue?,
                             to path: String, compress: Bool, overwrite: Bool = true) throws {
        // The same publisher as every other writer: WEIGHTPORT_FSYNC and the refusal to replace
        // a file that appeared meanwhile hold for bundles too.
        let publisher = AtomicPublisher(destination: path, overwrite: overwrite)
        let temporary = publisher.temporaryPath
        // Created here first so that a missing or unwritable folder reads like every other
        // writer's error ("cannot write: No such file or directory"), not as libhdf5's account
        // of the temporary file it could not open.
        let probe = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard probe >= 0 else { throw FileAccessError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        close(probe)
        do {
            let file = try HDF5File.create(path: temporary)
            // Data plus generous room for each dataset's header and attributes; compressed data
            // is smaller by an unknown amount, so nothing is reserved for it.
            let reserving = !compress
            if reserving { file.reserve(entries.reduce(1 << 20) { $0 + $1.tensor.byteCount + 4096 }) }
            try file.setAttribute(BundleLayout.marker, .int(BundleLayout.version))
            try file.createGroup(BundleLayout.weightsGroup)
            for entry in entries {
                let dataset = BundleLayout.datasetPath(canonical: entry.canonical)
                try file.writeDataset(path: dataset, tensor: entry.tensor, compress: compress)
                try file.setAttribute("source_name", .string(entry.sourceName), on: dataset)
                try file.setAttribute("source_dtype", .string(entry.sourceDType), on: dataset)
                if let transform = entry.transform { try file.setAttribute("transform", .string(transform), on: dataset) }
            }
            // The data first: `attributes` may wait for the source's checksum, which takes
            // longer than writing, so the write runs meanwhile rather than after it.
            try file.writePlacedData()
            for (name, value) in try attributes() { try file.setAttribute(name, value) }
            if let parity { try writeParity(parity, to: file) }
            try file.close()
            if reserving { try releaseUnusedReservation(temporary) }
        } catch {
            publisher.discard()
            throw error
        }
        do {
            try publisher.publish()
        } catch {
            switch error {
            case .destinationExists: throw FileAccessError.cannotWrite(path: path, reason: "the file appeared while the bundle was written")
            case .system(let reason): throw FileAccessError.cannotWrite(path: path, reason: reason)
            }
        }
    }

    /// Truncating a file to its own size gives back blocks reserved past its end.
    static func releaseUnusedReservation(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0, truncate(path, info.st_size) == 0 else {
            throw FileAccessError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// `/parity`: `passed` and the whole result as JSON, plus one attribute group per feature.
    static func writeParity(_ parity: JSONValue, to file: HDF5File) throws {
        try file.createGroup(BundleLayout.parityGroup)
        try file.setAttribute("result", .json(parity), on: BundleLayout.parityGroup)
        if case .bool(let passed)? = parity["passed"] {
            try file.setAttribute("passed", .int(passed ? 1 : 0), on: BundleLayout.parityGroup)
        }
        guard case .array(let layers)? = parity["layers"] else { return }
        for layer in layers {
            guard case .string(let name)? = layer["name"], case .object(let fields) = layer else { continue }
            let group = BundleLayout.parityGroup + "/" + name
            try file.createGroup(group)
            for (key, value) in fields where key != "name" {
                switch value {
                case .double(let d): try file.setAttribute(key, .double(d), on: group)
                case .int(let i): try file.setAttribute(key, .int(i), on: group)
                case .bool(let b): try file.setAttribute(key, .int(b ? 1 : 0), on: group)
                default: try file.setAttribute(key, .json(value), on: group)
                }
            }
        }
    }

}
