import Foundation
import WeightPortCore

/// A safetensors file written while the conversion maps names (`StreamedSources`).
///
/// The source's bytes go first, after space kept for the header, largest tensor first; `finish` names
/// each range and writes the header into that space, padded with spaces (the format allows
/// whitespace after the JSON; readers take the data to start where the header's length says).
/// The file differs from the reference writer's only in the data's order and the padding.
public final class SafetensorsStream: @unchecked Sendable {
    // @unchecked: used from the caller's thread only; the writing thread lives in `streamed`.
    let streamed: StreamedSources
    /// Bytes before the data: the length field, the header and its padding (whole pages, so the
    /// data is written page-aligned).
    private let prefix: Int

    /// Starts writing `candidates` (source tensors likely to reach the output unchanged; see
    /// `StreamedSources`) to a temporary file beside `destination`; `sourceNames` size the
    /// header's space. Nil when none lies in a mapped file.
    /// `prepared`: that temporary file, created earlier (`StreamedOutput.prepare`), to write into.
    public convenience init?(destination: String, overwrite: Bool, candidates: [Tensor], sourceNames: [String], prepared: AtomicFileWriter? = nil) throws(WriterError) {
        try self.init(destination: destination, overwrite: overwrite, candidates: candidates, sourceNames: sourceNames, gate: nil, prepared: prepared)
    }

    /// `gate` (tests): the writing thread waits for it before writing anything.
    init?(destination: String, overwrite: Bool, candidates: [Tensor], sourceNames: [String], gate: DispatchSemaphore?, prepared: AtomicFileWriter? = nil) throws(WriterError) {
        guard let streamed = try StreamedSources(destination: destination, overwrite: overwrite, candidates: candidates,
                                                 checksums: false, prepared: prepared, accept: { SafetensorsReader.code(for: $0.dtype) != nil })
        else { return nil }
        // A generous guess: target names are rarely over twice the source's plus a prefix, and
        // the provenance (metadata) is well under 16 KiB. A header that outgrows it falls back.
        let estimate = sourceNames.reduce(16 << 10) { $0 + 2 * $1.utf8.count + 128 }
        let prefix = (8 + estimate + 4095) / 4096 * 4096
        self.prefix = prefix
        self.streamed = streamed
        let sink = streamed.sink
        streamed.gate = gate
        streamed.start(reserve: prefix + streamed.tensors.reduce(0) { $0 + $1.byteCount },
                       begin: { () throws(WriterError) in try sink.write([UInt8](repeating: 0x20, count: prefix)) },
                       before: { _, _ in }, after: { _, _ in })
    }

    /// Names the streamed bytes after `tensors` (the conversion's output), writes the rest and
    /// the header, and moves the file into place. Returns false, having removed the file, when
    /// the streamed layout cannot hold `tensors`; throws what writing threw.
    public func finish(_ tensors: StateDict, metadata: [String: String]) throws -> Bool {
        streamed.plan(tensors.map(\.tensor))
        // Laid out from the plan while the thread writes (`join` then checks the two agree).
        // The streamed tensors lie in the order written, skipped ones taking no space.
        var offsets: [Int: Int] = [:]
        var offset = 0
        for (i, tensor) in streamed.tensors.enumerated() where streamed.isPlanned(i) {
            offsets[i] = offset
            offset += tensor.byteCount
        }
        var placed: [(SafetensorsWriter.Entry, Range<Int>)] = []
        var appended: [Tensor] = []
        var used = Set<Int>()
        for entry in try SafetensorsWriter.sortedEntries(tensors) {
            let count = entry.tensor.byteCount
            if let i = streamed.streamedIndex(of: entry.tensor), let start = offsets[i], used.insert(i).inserted {
                placed.append((entry, start..<(start + count)))
            } else {
                placed.append((entry, offset..<(offset + count)))
                appended.append(entry.tensor)
                offset += count
            }
        }
        let header = SafetensorsWriter.headerJSON(placed, metadata: metadata)
        guard streamed.join(), streamed.usesAllWritten(used), header.count <= prefix - 8 else { return streamed.abandon() }
        let sink = streamed.sink
        let prefix = prefix
        return try streamed.complete {
            for tensor in appended { try sink.write(WriterTensorBytes.littleEndian(tensor)) }
            let length = withUnsafeBytes(of: UInt64(prefix - 8).littleEndian) { Array($0) }
            try sink.overwrite(length + header + [UInt8](repeating: 0x20, count: prefix - 8 - header.count), at: 0)
        }
    }

    /// Stops writing and removes the file. Safe after `finish`.
    public func abort() { streamed.abort() }
}
