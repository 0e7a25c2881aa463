import Foundation
import WeightPortCore

/// A torch zip checkpoint written while the conversion maps names (`StreamedSources`).
///
/// Records may come in any order (readers find them through the central directory), so the
/// source's tensors become storages `data/0`, `data/1`, … in the order they are written (largest
/// first) as soon as the source is parsed; `finish` then writes the storages not streamed, `data.pkl` naming the storages by
/// key, `version` and the directory. Against `TorchZipWriter`'s layout only the records' order
/// and the storages' numbering differ; `torch.load` reads both the same.
public final class TorchZipStream: @unchecked Sendable {
    // @unchecked: `zip` is used by the writing thread until `streamed.join()`, then by the caller.
    let streamed: StreamedSources
    private let zip: ZipArchiveWriter
    private let folder: String

    /// Starts writing `candidates` (source tensors likely to reach the output unchanged; see
    /// `StreamedSources`) to a temporary file beside `destination`. Nil when none lies in a
    /// mapped file.
    /// `prepared`: that temporary file, created earlier (`StreamedOutput.prepare`), to write into.
    public convenience init?(destination: String, overwrite: Bool, candidates: [Tensor], prepared: AtomicFileWriter? = nil) throws(WriterError) {
        try self.init(destination: destination, overwrite: overwrite, candidates: candidates, gate: nil, prepared: prepared)
    }

    /// `gate` (tests): the writing thread waits for it before writing anything.
    init?(destination: String, overwrite: Bool, candidates: [Tensor], gate: DispatchSemaphore?, prepared: AtomicFileWriter? = nil) throws(WriterError) {
        let folder = TorchZipWriter.archiveName(for: destination)
        guard !folder.isEmpty, !folder.contains("/") else {
            throw .unsupportedValue("torch archive name '\(folder)' must be one non-empty folder name")
        }
        guard let streamed = try StreamedSources(destination: destination, overwrite: overwrite, candidates: candidates,
                                                 checksums: true, prepared: prepared, accept: { _ in true })
        else { return nil }
        self.folder = folder
        self.streamed = streamed
        let zip = ZipArchiveWriter(sink: streamed.sink)
        self.zip = zip
        let pending = PendingBox()
        streamed.gate = gate
        streamed.start(
            reserve: streamed.tensors.reduce(1 << 16) { $0 + $1.byteCount + 512 },
            begin: { () throws(WriterError) in try zip.addRecord(name: folder + "/byteorder", bytes: Array("little".utf8)) },
            before: { i, tensor throws(WriterError) in
                pending.record = try zip.beginRecord(name: folder + "/data/\(i)", size: tensor.byteCount)
            },
            after: { [streamed] i, _ throws(WriterError) in
                guard let record = pending.record else { return }
                try zip.endRecord(record, crc: streamed.checksum(i))
            })
    }

    /// Writes `object` (the checkpoint holding the conversion's tensors) over the streamed
    /// storages and moves the file into place. Returns false, having removed the file, when a
    /// streamed storage would be left unused; throws what writing threw.
    public func finish(_ object: PickleWritable) throws -> Bool {
        streamed.plan(object.tensors)
        // Pickled from the plan while the thread writes; `join` then checks the two agree.
        var extra: [Tensor] = []
        var used = Set<Int>()
        let base = streamed.tensors.count
        let pickle = TorchZipWriter.dataPickle(object) { tensor in
            if let i = streamed.streamedIndex(of: tensor), used.insert(i).inserted { return i }
            extra.append(tensor)
            return base + extra.count - 1
        }
        guard streamed.join(), streamed.usesAllWritten(used) else { return streamed.abandon() }
        return try streamed.complete { [zip, folder] in
            for (j, tensor) in extra.enumerated() {
                try zip.addRecord(name: folder + "/data/\(base + j)", data: WriterTensorBytes.littleEndian(tensor))
            }
            try zip.addRecord(name: folder + "/data.pkl", bytes: pickle)
            try zip.addRecord(name: folder + "/version", bytes: Array("3\n".utf8))
            try zip.finish()
        }
    }

    /// Stops writing and removes the file. Safe after `finish`.
    public func abort() { streamed.abort() }
}

/// The record the streaming thread has begun and not yet ended.
private final class PendingBox: @unchecked Sendable {
    var record: ZipArchiveWriter.PendingRecord?
}
