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
    private let pending = PendingBox()
    /// Records the writer ended before their checksums were ready (tests).
    private(set) var recordsSettledLate = 0

    /// Starts writing `candidates` (source tensors likely to reach the output unchanged; see
    /// `StreamedSources`) to a temporary file beside `destination`. Nil when none lies in a
    /// mapped file.
    /// `prepared`: that temporary file, created earlier (`StreamedOutput.prepare`), to write into.
    public convenience init?(destination: String, overwrite: Bool, candidates: [Tensor], prepared: AtomicFileWriter? = nil) throws(WriterError) {
        try self.init(destination: destination, overwrite: overwrite, candidates: candidates, gate: nil, prepared: prepared)
    }

    /// `gate` (tests): the writing thread waits for it before writing anything.
    /// `checksumsAfterWriter` (tests): no checksum is ready before the writer ends, so every
    /// record is settled at the end.
    init?(destination: String, overwrite: Bool, candidates: [Tensor], gate: DispatchSemaphore?, prepared: AtomicFileWriter? = nil,
          checksumsAfterWriter: Bool = false) throws(WriterError) {
        let folder = TorchZipWriter.archiveName(for: destination)
        guard !folder.isEmpty, !folder.contains("/") else {
            throw .unsupportedValue("torch archive name '\(folder)' must be one non-empty folder name")
        }
        guard let streamed = try StreamedSources(destination: destination, overwrite: overwrite, candidates: candidates,
                                                 checksums: true, prepared: prepared, checksumsAfterWriter: checksumsAfterWriter,
                                                 accept: { _ in true })
        else { return nil }
        self.folder = folder
        self.streamed = streamed
        let zip = ZipArchiveWriter(sink: streamed.sink)
        self.zip = zip
        let pending = self.pending
        streamed.gate = gate
        streamed.start(
            reserve: streamed.tensors.reduce(1 << 16) { $0 + $1.byteCount + 512 },
            begin: { () throws(WriterError) in try zip.addRecord(name: folder + "/byteorder", bytes: Array("little".utf8)) },
            before: { i, tensor throws(WriterError) in
                pending.record = try zip.beginRecord(name: folder + "/data/\(i)", size: tensor.byteCount)
            },
            after: { [streamed] i, _ throws(WriterError) in
                guard let record = pending.record else { return }
                // The writer never waits for a checksum: one not ready yet is settled at the end.
                // Waiting, the writer stalled whenever the checksums' thread could not get a core
                // (SCHED_FIFO, the main thread mapping names on the other): to torchvision's names,
                // .pth took 3.8 ms longer with the checksums paced than unpaced (21 pairs).
                if let index = try zip.endRecord(record, crc: streamed.readyChecksum(i)) {
                    pending.unsettled.append((record: index, tensor: i))
                }
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
        let unsettled = pending.unsettled
        recordsSettledLate = unsettled.count
        return try streamed.complete { [zip, folder] in
            for (record, tensor) in unsettled { try zip.settle(record, crc: streamed.checksum(tensor)) }
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

/// The record the streaming thread has begun and not yet ended, and the records it ended before
/// their checksums were ready (the caller's once the thread is joined).
private final class PendingBox: @unchecked Sendable {
    var record: ZipArchiveWriter.PendingRecord?
    var unsettled: [(record: Int, tensor: Int)] = []
}
