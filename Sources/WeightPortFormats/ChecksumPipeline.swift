import Foundation
import WeightPortCore

/// CRC-32s of a sequence of regions, computed in order on another thread from the moment the
/// pipeline is created. A zip writer asks for record i's checksum only after writing its data,
/// so the checksums run ahead of the writes and a record costs max(write, CRC), not their sum.
///
/// One thread for the whole archive rather than a fork and join per record: per-record joins
/// measured 0.1–0.3 s of waiting on a 250 MB checkpoint whenever the other core was busy.
final class ChecksumPipeline: @unchecked Sendable {
    // `checksums[i]` is written by the worker before `ready` passes i, under `condition`.
    private let condition = NSCondition()
    private var checksums: [UInt32]
    private var ready = 0
    private var cancelled = false

    /// Starts checksumming the regions; nil entries are skipped (their checksum reads as 0).
    /// `prefault` makes each region's pages present (MADV_POPULATE_READ) before reading it, for
    /// a caller that leaves prefaulting the source to this thread (`StreamedSources`).
    /// `pacedBy`: the writer's position in the regions' bytes (laid end to end, in order); the
    /// checksums then stay at most `ChecksumPipeline.lead` bytes ahead of it, and the time they
    /// would spend waiting for it goes into making pages present further ahead (with `prefault`).
    /// `afterWriter` (tests): the checksums start only once the writer has ended (`progress`).
    init(_ regions: [ByteRegion?], prefault: Bool = false, pacedBy progress: WriteProgress? = nil, afterWriter: Bool = false) {
        checksums = [UInt32](repeating: 0, count: regions.count)
        // At the writer's own priority: `TorchZipWriter` waits for each record's checksum before
        // its data descriptor, and a stream's commit waits for the ones it settles at the end.
        // Lowered, as a helper: a streamed .pth measured 4.7 ms slower under SCHED_FIFO (1.5 ms
        // without) while its writer waited for each record; 2.0 ms (FIFO, 21 pairs) since it no
        // longer does.
        Thread.detachNewThread { [self] in
            if afterWriter { progress?.wait(until: Int.max) }
            var prefaulter = prefault ? RegionPrefaulter(regions) : nil
            var start = 0
            for (i, region) in regions.enumerated() {
                condition.lock()
                let stop = cancelled
                condition.unlock()
                if stop { return }
                var crc: UInt32 = 0
                if let region, let progress {
                    crc = checksum(region, at: start, pacedBy: progress, prefaulting: &prefaulter)
                } else if let region {
                    prefaulter?.run(through: start + region.count)
                    crc = FastCRC32.checksum(region.bytes)
                }
                start += region?.count ?? 0
                condition.lock()
                checksums[i] = crc
                ready = i + 1
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    /// How far ahead of the writer paced checksums read. Why pace: unpaced, the checksums ran
    /// through the 254 MB within the writer's first 12 ms, reading memory at 21 GB/s while the
    /// writer's copy read it too; paced, they take the same bandwidth in small steps beside it.
    /// Converting a 254 MB Detectron pickle to `.pth` took 58.8 → 57.5 ms (15 alternating pairs,
    /// SCHED_FIFO; the writing thread 48.5 → 47.3 ms, as long as for safetensors, which has no
    /// checksums). Leads of 2, 8 and 16 MiB measured 0.8, 0.8 and 2.1 ms slower than 4.
    /// (Pacing a plain read ahead of a safetensors writer, to warm the cache, cost 3 ms.)
    static let lead = 4 << 20
    /// Paced checksums read this much at a time between looks at the writer's position.
    static let piece = 1 << 20

    /// The CRC-32 of `region`, whose bytes start at `start` in the writer's sequence, paced by
    /// `progress`: while more than `lead` ahead of the writer, it makes the next pages present
    /// (`prefaulter`), or, with none left, sleeps until the writer is within half the lead.
    /// Why not each region's pages whole before its checksum, as unpaced: paced, that came only
    /// when the writer was a few MiB from the region, and with the source in 4 KiB folios the
    /// writer met absent pages: `.pth` 72.6 → 70.5 ms that way round (15 pairs), 59.5 → 59.0 ms
    /// with the source in 2 MiB folios.
    private func checksum(_ region: ByteRegion, at start: Int, pacedBy progress: WriteProgress,
                          prefaulting prefaulter: inout RegionPrefaulter?) -> UInt32 {
        var crc = FastCRC32()
        var offset = 0
        while offset < region.count {
            let position = start + offset
            while progress.current < position - ChecksumPipeline.lead {
                if prefaulter?.step() == true { continue }
                progress.wait(until: position - ChecksumPipeline.lead / 2)
            }
            let n = min(ChecksumPipeline.piece, region.count - offset)
            prefaulter?.run(through: position + n)
            crc.update(UnsafeRawBufferPointer(rebasing: region.bytes[offset..<(offset + n)]))
            offset += n
        }
        return crc.checksum
    }

    /// Stops the worker after the region it is on, for a caller that will ask for no more
    /// checksums (a stream given up): the regions left are not read.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.unlock()
    }

    /// Whether region `index`'s checksum is done (tests).
    func isReady(_ index: Int) -> Bool { readyChecksum(index) != nil }

    /// The CRC-32 of region `index` if the worker has computed it; nil, at once, if not.
    func readyChecksum(_ index: Int) -> UInt32? {
        condition.lock()
        defer { condition.unlock() }
        return ready > index ? checksums[index] : nil
    }

    /// The CRC-32 of region `index`, waiting for it if the worker has not reached it yet.
    func checksum(_ index: Int) -> UInt32 {
        condition.lock()
        defer { condition.unlock() }
        while ready <= index { condition.wait() }
        return checksums[index]
    }
}
