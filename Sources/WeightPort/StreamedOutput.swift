import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortMapping

/// An output whose tensor bytes a conversion writes while it maps their names, in the formats
/// that can hold bytes written before their names (see `StreamedSources`).
enum StreamedOutput {
    case safetensors(SafetensorsStream)
    case torch(TorchZipStream)
    case pickle(DetectronPickleStream)

    /// Starts writing the tensors of `file` likely to reach the output unchanged — in the
    /// checkpoint's container; not optimizer state or bookkeeping by any table's `unused`
    /// patterns, not a BatchNorm update counter, not dropped — to a temporary file beside
    /// `destination`. Nil for bundles, sources with fewer than `minimum` bytes of tensors,
    /// sources with nothing to stream, when `tables` cannot say, or when the file cannot be
    /// created (the ordinary write then reports why).
    /// `prepared`: the file `prepare` created, written into instead of a new one.
    static func start(_ format: OutputFormat, destination: String, overwrite: Bool, file: WeightFile,
                      tables: () -> CatalogPreview?, drop: NamePatternList, minimum: Int,
                      prepared: AtomicFileWriter? = nil) -> StreamedOutput? {
        guard format != .bundle, file.tensors.byteCount >= minimum, let tables = tables() else { return nil }
        let inside = CheckpointUnwrapper.unwrap(file.tensors, containers: tables.containerKeys).weights
        let context = MappingContext()
        let candidates = inside.compactMap { name, tensor -> Tensor? in
            guard !drop.matches(name), !CanonicalModelLoader.isUpdateCounter(name),
                  !tables.isUnused(name, context: context) else { return nil }
            return tensor
        }
        do {
            switch format {
            case .safetensors:
                return try SafetensorsStream(destination: destination, overwrite: overwrite, candidates: candidates,
                                             sourceNames: inside.names, prepared: prepared).map(StreamedOutput.safetensors)
            case .torch:
                return try TorchZipStream(destination: destination, overwrite: overwrite, candidates: candidates, prepared: prepared).map(StreamedOutput.torch)
            case .pickle:
                return try DetectronPickleStream(destination: destination, overwrite: overwrite, candidates: candidates, prepared: prepared).map(StreamedOutput.pickle)
            case .bundle:
                return nil
            }
        } catch {
            return nil
        }
    }

    /// The temporary file a stream into `destination` would create, created now with the
    /// source's size reserved (nil for bundles, sources under `minimum` bytes, or when the file
    /// cannot be created: `start` then tries again and the ordinary writer reports why).
    ///
    /// Why before the source is parsed: reserving 254 MB took 0.7–0.9 ms on ext4, which the
    /// writer waited for; done while the main thread waits for the source's structure, it is
    /// off the path. A stream never needs much more than its source's bytes; what it does not
    /// use is given back when the file is committed. The caller aborts it when no stream takes
    /// it (a committed file ignores that).
    static func prepare(_ format: OutputFormat, destination: String, overwrite: Bool, source: String,
                        minimum: Int) -> AtomicFileWriter? {
        var status = stat()
        guard format != .bundle, stat(source, &status) == 0, Int(status.st_size) >= minimum,
              let writer = try? AtomicFileWriter(destination: destination, overwrite: overwrite) else { return nil }
        writer.reserve(Int(status.st_size))
        return writer
    }

    /// Completes the file as `OutputWriter.write` would lay out `tensors`; false when the
    /// streamed bytes do not fit them (the file is removed and the caller writes it anew).
    func finish(_ tensors: StateDict, semantics: ConventionSemantics, metadata: [(String, JSONValue)],
                model: CanonicalModel) throws -> Bool {
        let info = JSONValue.object(metadata)
        switch self {
        case .safetensors(let stream):
            return try stream.finish(tensors, metadata: OutputWriter.safetensorsMetadata(metadata))
        case .torch(let stream):
            return try stream.finish(OutputWriter.checkpoint(tensors, semantics: semantics, info: info))
        case .pickle(let stream):
            return try stream.finish(OutputWriter.pickleObject(tensors, layout: semantics.pickle ?? .flat, info: info, model: model))
        }
    }

    /// Stops writing and removes the file; nothing after a successful `finish`.
    func abort() {
        switch self {
        case .safetensors(let stream): stream.abort()
        case .torch(let stream): stream.abort()
        case .pickle(let stream): stream.abort()
        }
    }
}
