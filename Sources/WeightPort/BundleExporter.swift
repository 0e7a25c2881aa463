import Foundation
import WeightPortCore
import WeightPortHDF5
import WeightPortMapping
import WeightPortModels

/// `weightport export`: the hub's tensors with their provenance as an HDF5 bundle (DESIGN.md §8).
public enum BundleExporter {
    /// How to export: compression, overwriting, strictness and what to store beside the weights.
    public struct Options: Sendable {
        public var compress = false
        public var overwrite = false
        public var drop = NamePatternList()
        public var allowMissing = NamePatternList()
        /// A verification result to store under `/parity`.
        public var parity: JSONValue?
        /// The source's SHA-256, already being computed (`BundleExporter.sourceChecksum`); when
        /// nil the export starts it. Starting it before the source is read takes it off the
        /// critical path: hashing 250 MB takes longer than writing it.
        public var sourceChecksum: BackgroundValue<String>?

        public init(compress: Bool = false, overwrite: Bool = false, drop: NamePatternList = NamePatternList(),
                    allowMissing: NamePatternList = NamePatternList(), parity: JSONValue? = nil,
                    sourceChecksum: BackgroundValue<String>? = nil) {
            self.compress = compress
            self.overwrite = overwrite
            self.drop = drop
            self.allowMissing = allowMissing
            self.parity = parity
            self.sourceChecksum = sourceChecksum
        }
    }

    /// Starts hashing the file at `path` on another thread.
    public static func sourceChecksum(_ path: String) -> BackgroundValue<String> {
        BackgroundValue { try BundleExporter.sha256(path: path) }
    }

    /// Writes the bundle; returns the report of what was (and was not) exported.
    public static func export(_ model: CanonicalModel, to path: String, options: Options) throws -> MappingReport {
        var report = model.report
        TreeCoverage.account(model.weights.tensors, sources: model.weights.sources, tree: try model.tree, into: &report)
        try Converter.enforceStrictness(&report, drop: options.drop, allowMissing: options.allowMissing, source: model.path)
        if !options.overwrite && FileManager.default.fileExists(atPath: path) {
            throw FileError(path: path, underlying: ConversionError.destinationExists)
        }
        let entries = model.weights.tensors.map { name, tensor in
            let sources = model.weights.sources[name] ?? []
            return BundleWriter.Entry(canonical: name, tensor: tensor, sourceName: sources.joined(separator: ","),
                                      sourceDType: sourceDType(model, sources) ?? tensor.dtype.rawValue,
                                      transform: model.weights.transforms[name])
        }
        // The source checksum reads the whole file: it runs on the other core while HDF5 writes.
        let checksum = options.sourceChecksum ?? sourceChecksum(model.path)
        try FileError.attributing(to: path) {
            try BundleWriter.write(entries, attributes: { try attributes(model, report: report, sha256: try checksum.get()) },
                                   parity: options.parity, to: path, compress: options.compress)
        }
        report.mapped = entries.count
        return report
    }

    static func sourceDType(_ model: CanonicalModel, _ sources: [String]) -> String? {
        guard let first = sources.first else { return nil }
        let prefixed = model.container.map { $0 + "." + first } ?? first
        return (model.file.tensors[prefixed] ?? model.file.tensors[first])?.dtype.rawValue
    }

    static func attributes(_ model: CanonicalModel, report: MappingReport, sha256: String) throws -> [(String, HDF5AttributeValue)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let architecture = String(decoding: try encoder.encode(model.spec), as: UTF8.self)
        let semantics = String(decoding: try encoder.encode(model.semantics), as: UTF8.self)
        let unused = JSONValue.object(report.unused.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value.count)) })
        return [
            ("tool", .string("weightport")),
            ("tool_version", .string(WeightPortVersion.current)),
            ("source_path", .string(URL(fileURLWithPath: model.path).standardizedFileURL.path)),
            ("source_format", .string(model.file.format)),
            ("source_sha256", .string(sha256)),
            ("source_convention", .string(model.convention)),
            ("architecture_name", .string(model.spec.name)),
            ("architecture", .string(architecture)),
            ("semantics", .string(semantics)),
            ("not_exported", .json(unused)),
            ("created", .string(UTCTimestamp.now())),
        ]
    }

    /// SHA-256 of the whole source file, hex. Read in pieces into one reused buffer rather than
    /// mapped: a second map of the file the model is already mapped from would count its pages
    /// twice in the process's resident size (measured 2.1x the file instead of 1.1x). A fresh
    /// buffer per piece (`FileHandle.read`) cost fresh zeroed pages for every piece: the
    /// checksum of a 254 MB file took ~200 ms against 148 ms for libcrypto over a map.
    static func sha256(path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileAccessError.cannotOpen(path: path, reason: "cannot reopen the source to checksum it")
        }
        defer { close(descriptor) }
        var hasher = try SHA256Hasher(path: path)
        // 256 KiB stays in L2 while the digest reads it back.
        let capacity = 1 << 18
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let got = read(descriptor, buffer, capacity)
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                throw FileAccessError.cannotOpen(path: path, reason: "reading it to checksum: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            guard hasher.update(UnsafeRawBufferPointer(start: buffer, count: got)) else {
                throw FileAccessError.cannotOpen(path: path, reason: "libcrypto failed to compute the SHA-256")
            }
        }
        guard let hex = hasher.hex() else {
            throw FileAccessError.cannotOpen(path: path, reason: "libcrypto failed to compute the SHA-256")
        }
        return hex
    }
}
