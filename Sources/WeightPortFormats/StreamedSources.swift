import Foundation
import Synchronization
import WeightPortCore

/// The source tensors' bytes written to an output on another thread while the conversion is
/// still mapping their names: the shared part of `SafetensorsStream`, `TorchZipStream` and
/// `DetectronPickleStream`, which lay the bytes out and name them.
///
/// Why: the bytes are most of a conversion's work (254 MB took 37–41 ms to write here), and a
/// conversion used to write only once every name was mapped, ~20 ms after the source was parsed.
///
/// How: the caller picks the source tensors likely to reach the output unchanged (not optimizer
/// state). They are written largest first, from the source's map (prefaulted ahead of the
/// writes on another thread), each once. When the names are mapped, `plan` says which streamed
/// tensors the output holds (the same bytes, under any name); from then on the thread writes
/// only those, and the format's stream names them and writes the rest. The source tensors that
/// a conversion replaces by computed ones (norm parameters it folds, predictor rows it moves)
/// are small, so they come last, and the plan normally arrives before the thread reaches them:
/// a 254 MB pickle's largest 94 tensors hold 97% of its bytes. When a tensor written before the
/// plan turns out unused, the stream gives up: the file is removed and the caller writes it the
/// ordinary way, so a wrong guess costs time, never a wrong file.
final class StreamedSources: @unchecked Sendable {
    // @unchecked: the candidate list is fixed at init; `planned` and `cancelled` are shared under
    // `condition`; `sink`, `written`, `failure` belong to the thread until `done` is signalled,
    // and to the caller once `join` has waited for it (`owners` is the caller's alone).
    let sink: AtomicFileWriter
    /// The streamed candidates in the order they are written (largest first).
    let tensors: [Tensor]
    private var written: [Bool]
    private var failure: WriterError?
    private let condition = NSCondition()
    private var planned: [Bool]?
    private var cancelled = false
    private let done = DispatchSemaphore(value: 0)
    private var joined = false
    private var started = false
    private let byBase: [UnsafeRawPointer: Int]
    /// Output bytes (start and length) → the streamed tensor planned for them.
    private var owners: [Span: Int] = [:]
    private let checksums: ChecksumPipeline?
    /// The writer's position in the streamed tensors' bytes, pacing the checksums (nil without).
    private let progress: WriteProgress?
    private let prefaulting = StopFlag()
    /// Tests: when set before `start`, the thread waits for it before writing anything (so that
    /// the plan can arrive first).
    var gate: DispatchSemaphore?

    /// Creates the temporary file for `destination` and starts bringing in the pages of those
    /// of `candidates` that lie in a mapped file as a writer would write them (dense,
    /// little-endian), each storage once, computing their CRC-32s on the way when `checksums`;
    /// `start` begins writing. Nil when there are none (nothing to gain). `prepared`: that
    /// file, created (and its space reserved) earlier by the caller, to write into instead.
    /// `checksumsAfterWriter` (tests): the checksums start only once the writer has ended.
    init?(destination: String, overwrite: Bool, candidates: [Tensor], checksums: Bool,
          prepared: AtomicFileWriter? = nil, checksumsAfterWriter: Bool = false, accept: (Tensor) -> Bool) throws(WriterError) {
        var picked: [(base: UnsafeRawPointer, tensor: Tensor)] = []
        var seen = Set<UnsafeRawPointer>()
        for tensor in candidates where WriterTensorBytes.isView(tensor) && accept(tensor) {
            let bytes = WriterTensorBytes.littleEndian(tensor)
            guard bytes.count > 0, bytes.fileOrigin != nil, seen.insert(bytes.base).inserted else { continue }
            picked.append((bytes.base, tensor))
        }
        guard !picked.isEmpty else { return nil }
        picked.sort { $0.tensor.byteCount != $1.tensor.byteCount ? $0.tensor.byteCount > $1.tensor.byteCount : $0.base < $1.base }
        tensors = picked.map(\.tensor)
        written = [Bool](repeating: false, count: tensors.count)
        byBase = Dictionary(uniqueKeysWithValues: picked.enumerated().map { ($1.base, $0) })
        if let prepared, prepared.destination == destination {
            sink = prepared
        } else {
            sink = try AtomicFileWriter(destination: destination, overwrite: overwrite)
        }
        let regions = tensors.map(WriterTensorBytes.littleEndian)
        // In the order written: the checksums read each region anyway, so they bring it in.
        let progress = checksums ? WriteProgress() : nil
        self.progress = progress
        self.checksums = progress.map { ChecksumPipeline(regions, prefault: true, pacedBy: $0, afterWriter: checksumsAfterWriter) }
        if !checksums {
            Thread.detachNewThread { [prefaulting] in
                for region in regions where !prefaulting.stopped { region.prefault() }
            }
        }
    }

    /// Starts the thread: `begin` once, then for each tensor in order `before(i, tensor)`, its
    /// bytes, `after(i, tensor)` — skipping, once `plan` has run, the tensors the output does not
    /// hold — until done, cancelled, or one throws. Called once, right after `init`. The closures
    /// run on the thread only; what they capture (the sink, a zip writer) is the caller's again
    /// once `join` returned, so they need not be `Sendable`.
    func start(reserve: Int, begin: @escaping () throws(WriterError) -> Void,
               before: @escaping (Int, Tensor) throws(WriterError) -> Void,
               after: @escaping (Int, Tensor) throws(WriterError) -> Void) {
        started = true
        sink.reserve(reserve)
        let work = ThreadHandOff(begin: begin, before: before, after: after)
        Thread.detachNewThread { [self] in
            gate?.wait()
            do throws(WriterError) {
                try work.begin()
                var start = 0
                for (i, tensor) in tensors.enumerated() {
                    defer {
                        start += tensor.byteCount
                        progress?.advance(to: start)
                    }
                    guard let go = shouldWrite(i) else { break }
                    guard go else { continue }
                    try work.before(i, tensor)
                    try sink.write(WriterTensorBytes.littleEndian(tensor),
                                   reporting: progress.map { progress in { [start] in progress.advance(to: start + $0) } })
                    try work.after(i, tensor)
                    written[i] = true
                }
            } catch {
                failure = error
            }
            progress?.end()
            done.signal()
        }
    }

    /// Nil when cancelled; false when the plan leaves tensor `i` out.
    private func shouldWrite(_ i: Int) -> Bool? {
        condition.lock()
        defer { condition.unlock() }
        if cancelled { return nil }
        return planned?[i] ?? true
    }

    /// The CRC-32 of streamed tensor `i` (when created with `checksums`), waiting for it.
    func checksum(_ i: Int) -> UInt32 { checksums?.checksum(i) ?? 0 }

    /// The CRC-32 of streamed tensor `i` if computed yet (when created with `checksums`).
    func readyChecksum(_ i: Int) -> UInt32? { checksums?.readyChecksum(i) }

    /// Tells the thread which streamed tensors `outputs` hold — the same storage, or (a value
    /// that went through a transform and came back unchanged) the same bytes — so that it writes
    /// only those from now on. `compatible` must also accept the pair (a format whose streamed
    /// bytes carry the source's shape needs the output's to be the same). Before `join`; a
    /// second call with the same outputs plans the same (tests plan ahead of `finish`).
    func plan(_ outputs: [Tensor], compatible: (_ streamed: Tensor, _ output: Tensor) -> Bool = { _, _ in true }) {
        var planned = [Bool](repeating: false, count: tensors.count)
        owners = [:]
        var unmatched: [Tensor] = []
        for tensor in outputs where WriterTensorBytes.isView(tensor) {
            let bytes = WriterTensorBytes.littleEndian(tensor)
            let span = Span(bytes)
            guard owners[span] == nil, bytes.count > 0 else { continue }
            if let i = byBase[bytes.base], tensors[i].byteCount == bytes.count, !planned[i], compatible(tensors[i], tensor) {
                planned[i] = true
                owners[span] = i
            } else {
                unmatched.append(tensor)
            }
        }
        for tensor in unmatched {
            let bytes = WriterTensorBytes.littleEndian(tensor)
            guard owners[Span(bytes)] == nil else { continue }
            let i = tensors.indices.first { i in
                !planned[i] && tensors[i].byteCount == bytes.count && compatible(tensors[i], tensor)
                    && memcmp(WriterTensorBytes.littleEndian(tensors[i]).base, bytes.base, bytes.count) == 0
            }
            if let i {
                planned[i] = true
                owners[Span(bytes)] = i
            }
        }
        condition.lock()
        self.planned = planned
        condition.unlock()
    }

    /// Waits for the thread (again: at once). True when the tensors written are exactly the
    /// planned ones, so that a layout made from the plan while the thread wrote holds. False when
    /// the stream cannot stand: it was cancelled, a write failed, no plan came yet, or it wrote a
    /// tensor the plan left out.
    func join() -> Bool {
        wait()
        // A failed write (a full disk, say) is left to the ordinary writer to meet and report.
        guard failure == nil, let planned, !cancelled else { return false }
        return written == planned
    }

    /// Whether the plan keeps streamed tensor `i` (after `plan`; once `join` succeeded, whether
    /// it was written).
    func isPlanned(_ i: Int) -> Bool { planned?[i] ?? false }

    /// The streamed tensor the plan matched `tensor` with, if any (after `plan`). The streams
    /// lay their files out from this before `join`, while the thread still writes: the names,
    /// header and index then cost no time after the last byte.
    func streamedIndex(of tensor: Tensor) -> Int? {
        guard WriterTensorBytes.isView(tensor) else { return nil }
        return owners[Span(WriterTensorBytes.littleEndian(tensor))]
    }

    /// Whether `used` is exactly the streamed tensors written: the formats' `finish` checks
    /// this before committing (a written tensor nothing names would be bytes the output never
    /// held in the ordinary layout; each is used once).
    func usesAllWritten(_ used: Set<Int>) -> Bool {
        used == Set(written.indices.filter { written[$0] })
    }

    /// Runs `body` (the format's names, header and remaining tensors, after `join`) and moves
    /// the file into place; if it throws, the file is removed and the error propagates.
    /// Returns true, for the streams' `finish`.
    func complete(_ body: () throws -> Void) throws -> Bool {
        defer { stopBackground() }
        do {
            try body()
            try sink.commit()
            return true
        } catch {
            sink.abort()
            throw error
        }
    }

    /// Removes the file and returns false: the stream cannot hold the output.
    func abandon() -> Bool {
        abort()
        return false
    }

    /// Stops writing and removes the file. Safe to call more than once, and after a commit.
    func abort() {
        condition.lock()
        cancelled = true
        condition.unlock()
        wait()
        stopBackground()
        sink.abort()
    }

    /// Stops the prefault or checksum thread (once the writer no longer waits for checksums):
    /// after a stream is given up it would only compete with the ordinary writer for a core.
    private func stopBackground() {
        prefaulting.stop()
        checksums?.cancel()
        // A stream never started has no writer to move the paced checksums on.
        progress?.end()
    }

    deinit { abort() }

    private func wait() {
        guard !joined else { return }
        if started { done.wait() }
        joined = true
    }
}

/// Set once, read from another thread.
private final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var stopped: Bool { flag.load(ordering: .relaxed) }
    func stop() { flag.store(true, ordering: .relaxed) }
}

/// Bytes by where they start and how many: two outputs sharing a start address (an empty tensor
/// beside the next, two views of one storage) are different outputs.
private struct Span: Hashable {
    let base: UnsafeRawPointer
    let count: Int
    init(_ bytes: ByteRegion) {
        base = bytes.base
        count = bytes.count
    }
}

/// `StreamedSources.start`'s closures, moved to its thread (see there).
private struct ThreadHandOff: @unchecked Sendable {
    let begin: () throws(WriterError) -> Void
    let before: (Int, Tensor) throws(WriterError) -> Void
    let after: (Int, Tensor) throws(WriterError) -> Void
}
