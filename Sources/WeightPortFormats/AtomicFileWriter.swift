import CSystem
import Foundation
import WeightPortCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that the destination either receives the complete output or is not touched.
///
/// Bytes go to a hidden temporary file beside the destination (`.<name>.tmp-<random>`, same
/// folder so the final rename stays on one file system and is atomic). `commit()` flushes,
/// (optionally fsyncs) and renames it over the destination; any failure, an explicit `abort()`, or dropping
/// the writer without committing removes the temporary file. Small writes are gathered in a
/// 1 MiB buffer; large ones (tensor bytes straight from a mapped file) bypass it.
public final class AtomicFileWriter {
    /// The file the output will appear as.
    public let destination: String
    /// The hidden file receiving the bytes until `commit()`.
    public let temporaryPath: String
    /// Bytes accepted so far (buffered or written), i.e. the current file offset.
    public private(set) var bytesWritten: Int = 0
    /// Of those, the bytes the kernel copied file-to-file.
    public private(set) var bytesCopiedInKernel: Int = 0

    private let overwrite: Bool
    private let publisher: AtomicPublisher
    private var descriptor: Int32
    private var buffer: UnsafeMutableRawPointer
    private var buffered = 0
    private var finished = false
    /// Bytes of disk space reserved ahead by `reserve(_:)`; any excess is released at commit.
    private var reserved = 0
    /// Set when copy_file_range would not pay (see `init`) or once the kernel refuses it between
    /// these files; regions are then written from memory. Tests clear it to drive the kernel path.
    var kernelCopyUnavailable = false
    /// When set (tests), the file offset and length of every write(2), in order.
    var writeCalls: [(offset: Int, count: Int)]?
    /// File offset of the next write(2).
    private var flushedOffset = 0
    static let bufferCapacity = 1 << 20
    /// The most one write(2) is handed (see `writeAll`).
    static let writePiece = 1 << 20
    static let page = 4096
    /// Runs at least this long are written from the caller's memory rather than copied.
    static let directMinimum = 1 << 16

    /// Creates the temporary file. Refuses an existing destination unless `overwrite` is true.
    public init(destination: String, overwrite: Bool = false) throws(WriterError) {
        if !overwrite, AtomicPublisher.exists(destination) { throw .destinationExists(path: destination) }
        self.destination = destination
        self.overwrite = overwrite
        publisher = AtomicPublisher(destination: destination, overwrite: overwrite)
        temporaryPath = publisher.temporaryPath
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotWrite(path: destination, reason: AtomicFileWriter.lastError()) }
        buffer = UnsafeMutableRawPointer.allocate(byteCount: AtomicFileWriter.bufferCapacity, alignment: 64)
        // Only where the file system shares extents or copies on the server. On ext4 the kernel
        // copies through a pipe, 64 KiB at a time: converting a 254 MB Detectron pickle to .pkl
        // (whose tensors keep their page offsets, so every one qualified) took median 135 ms
        // against 100 ms writing the same slices from the prefaulted map (8 alternating runs).
        kernelCopyUnavailable = wp_copy_is_offloaded(descriptor) == 0
    }

    deinit {
        if !finished { discard() }
        buffer.deallocate()
    }

    /// Runs `body` with a writer for `path` and commits if it returns; if it throws, the
    /// temporary file is removed, the destination is left as it was, and the error propagates.
    public static func write(to path: String, overwrite: Bool = false,
                             _ body: (AtomicFileWriter) throws -> Void) throws {
        let writer = try AtomicFileWriter(destination: path, overwrite: overwrite)
        do {
            try body(writer)
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
    }

    /// Appends `bytes` to the output.
    ///
    /// Every write(2) starts at a page-aligned file offset and, except the last, ends at one:
    /// a large run is topped up through the buffer to the next page boundary, its whole pages
    /// go straight from the caller's memory, and its tail joins the buffer. Writing 254 MB from
    /// a mapped file in 1 MiB pieces took 34–35 ms at aligned offsets against 43–49 ms at
    /// offsets 1,234 bytes off (ext4, `floor` variants, SCHED_FIFO, 3 rounds): each unaligned
    /// piece splits pages (and the page cache's large folios) between two calls.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(WriterError) {
        try write(bytes, reporting: nil)
    }

    /// `write(_:)`, calling `reporting` with how many of the bytes the kernel has taken after
    /// each piece written straight from the caller's memory.
    private func write(_ bytes: UnsafeRawBufferPointer, reporting: ((Int) -> Void)?) throws(WriterError) {
        guard var base = bytes.baseAddress, !bytes.isEmpty else { return }
        try checkOpen()
        var remaining = bytes.count
        if remaining >= AtomicFileWriter.directMinimum {
            let head = min(remaining, (AtomicFileWriter.page - bytesWritten % AtomicFileWriter.page) % AtomicFileWriter.page)
            try stage(base, head)
            base += head
            remaining -= head
            // The offset is now on a page boundary (head < page <= remaining).
            try flushBuffer()
            let pages = remaining - remaining % AtomicFileWriter.page
            try writeAll(base, pages, reporting: reporting.map { report in { report(head + $0) } })
            bytesWritten += pages
            base += pages
            remaining -= pages
        }
        try stage(base, remaining)
    }

    /// Copies bytes into the buffer, writing its page-aligned prefix out whenever it fills.
    private func stage(_ base: UnsafeRawPointer, _ count: Int) throws(WriterError) {
        var offset = 0
        while offset < count {
            if buffered == AtomicFileWriter.bufferCapacity { try flushAlignedPrefix() }
            let n = min(count - offset, AtomicFileWriter.bufferCapacity - buffered)
            (buffer + buffered).copyMemory(from: base + offset, byteCount: n)
            buffered += n
            bytesWritten += n
            offset += n
        }
    }

    /// Reserves disk space for about `bytes` of output before it is written. A hint, not a
    /// promise: where the file system cannot, nothing happens. Reserving up front lets the file
    /// system allocate one extent at once instead of a delayed allocation per 4 KiB page (ext4),
    /// which measured 0.11 s → 0.07 s for 250 MB here; space beyond the final size is released.
    public func reserve(_ bytes: Int) {
        guard bytes > reserved, descriptor >= 0, !finished else { return }
        // Recorded even on failure: fallocate may keep part of the space it was asked for.
        reserved = bytes
        _ = wp_reserve_space(descriptor, Int64(bytes))
    }

    /// Appends a region's bytes. On a file system that shares or offloads copies, a large slice
    /// of a mapped file that sits at the same offset within a page as its destination is copied
    /// file-to-file by the kernel (copy_file_range), never passing through this process's memory.
    /// Otherwise the kernel would copy partial pages, which measured 1.5× slower than writing
    /// from the (prefaulted) map.
    /// `reporting` (for a reader pacing itself by the writer, `WriteProgress`) is called with how
    /// many of the region's bytes are written as they go, and with all of them on return (or on
    /// a throw: a reader waiting for a failed writer must not wait forever).
    public func write(_ region: ByteRegion, reporting: ((Int) -> Void)? = nil) throws(WriterError) {
        defer { reporting?(region.count) }
        guard let origin = region.fileOrigin, region.count >= AtomicFileWriter.bufferCapacity, !kernelCopyUnavailable,
              (origin.offset - (bytesWritten)) % AtomicFileWriter.page == 0 else {
            try withExtendedLifetime(region) { () throws(WriterError) in try write(region.bytes, reporting: reporting) }
            region.releaseWrittenPages()
            return
        }
        try checkOpen()
        try flushBuffer()
        let copied = try kernelCopy(from: origin, count: region.count)
        bytesCopiedInKernel += copied
        flushedOffset += copied
        if copied < region.count {
            try withExtendedLifetime(region) { () throws(WriterError) in try writeAll(region.base + copied, region.count - copied) }
        }
        bytesWritten += region.count
    }

    /// Copies up to `count` bytes from `origin` to the output's position; returns how many were
    /// copied before the kernel declined (file systems or kernels without the call).
    private func kernelCopy(from origin: FileOrigin, count: Int) throws(WriterError) -> Int {
        var offset = Int64(origin.offset)
        var copied = 0
        while copied < count {
            let n = wp_copy_file_range(origin.descriptor, &offset, descriptor, count - copied)
            let code = errno
            if n > 0 {
                copied += n
            } else if n == 0 && copied == 0 {
                // Some file systems answer 0 rather than an error when they cannot copy.
                kernelCopyUnavailable = true
                break
            } else if n == 0 {
                throw .cannotWrite(path: destination, reason: "the source file shrank while it was being copied")
            } else if code == EINTR {
                continue
            } else if [EXDEV, ENOSYS, EOPNOTSUPP, EINVAL, EBADF, EPERM, ETXTBSY].contains(code) {
                // EPERM: container seccomp profiles that block the call.
                kernelCopyUnavailable = true
                break
            } else {
                throw .cannotWrite(path: destination, reason: AtomicFileWriter.lastError())
            }
        }
        return copied
    }

    /// Appends `bytes` to the output.
    public func write(_ bytes: [UInt8]) throws(WriterError) {
        try withBytes(bytes) { (raw) throws(WriterError) in try write(raw) }
    }

    /// Appends `count` zero bytes.
    public func writeZeros(_ count: Int) throws(WriterError) {
        var remaining = count
        let zeros = [UInt8](repeating: 0, count: min(count, 1 << 16))
        while remaining > 0 {
            let n = min(remaining, zeros.count)
            try withBytes(zeros) { (raw) throws(WriterError) in try write(UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
            remaining -= n
        }
    }

    /// Replaces bytes already appended, at `offset` (a header whose content is known only once
    /// the rest is written). The range must lie within what was appended.
    public func overwrite(_ bytes: [UInt8], at offset: Int) throws(WriterError) {
        try checkOpen()
        precondition(offset >= 0 && offset + bytes.count <= bytesWritten, "overwrite beyond the written bytes")
        if offset + bytes.count > flushedOffset { try flushBuffer() }
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                pwrite(descriptor, raw.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path: destination, reason: AtomicFileWriter.lastError())
            }
            done += result
        }
    }

    /// Flushes, fsyncs and moves the file into place. Afterwards the writer accepts no more bytes.
    public func commit() throws(WriterError) {
        try checkOpen()
        do throws(WriterError) {
            try flushBuffer()
            if reserved > bytesWritten {
                guard ftruncate(descriptor, off_t(bytesWritten)) == 0 else {
                    throw WriterError.cannotWrite(path: destination, reason: "truncate: \(AtomicFileWriter.lastError())")
                }
            }
            let fd = descriptor
            descriptor = -1
            guard close(fd) == 0 else { throw WriterError.cannotWrite(path: destination, reason: "close: \(AtomicFileWriter.lastError())") }
            do {
                try publisher.publish()
            } catch {
                switch error {
                case .destinationExists: throw WriterError.destinationExists(path: destination)
                case .system(let reason): throw WriterError.cannotWrite(path: destination, reason: reason)
                }
            }
        } catch {
            discard()
            throw error
        }
        finished = true
    }

    /// See `AtomicPublisher.durable`.
    public static var durable: Bool { AtomicPublisher.durable }

    /// Removes the temporary file; the destination is untouched. Safe to call more than once.
    public func abort() {
        if !finished { discard() }
    }

    // MARK: - Internals

    private func checkOpen() throws(WriterError) {
        guard !finished, descriptor >= 0 else {
            throw .cannotWrite(path: destination, reason: "the output was already committed or aborted")
        }
    }

    private func flushBuffer() throws(WriterError) {
        guard buffered > 0 else { return }
        let n = buffered
        buffered = 0
        try writeAll(buffer, n)
    }

    /// Writes the buffered bytes up to the last page boundary of the file and keeps the rest
    /// (under a page) at the buffer's start.
    private func flushAlignedPrefix() throws(WriterError) {
        let keep = min(buffered, bytesWritten % AtomicFileWriter.page)
        let n = buffered - keep
        guard n > 0 else { return }
        try writeAll(buffer, n)
        memmove(buffer, buffer + n, keep)
        buffered = keep
    }

    private func writeAll(_ base: UnsafeRawPointer, _ count: Int, reporting: ((Int) -> Void)? = nil) throws(WriterError) {
        var offset = 0
        while offset < count {
            // 1 MiB a call. Handed a whole 50 MB tensor at once, ext4 asks for ever larger
            // page-cache folios, and allocating those stalled now and then on this busy machine:
            // the write phase of a 254 MB conversion took 72–255 ms (median 134, 5 runs under
            // SCHED_FIFO) against 49–75 ms (median 54) in 1 MiB calls.
            let result = posixWrite(descriptor, base + offset, min(count - offset, AtomicFileWriter.writePiece))
            if result < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path: destination, reason: AtomicFileWriter.lastError())
            }
            writeCalls?.append((flushedOffset, result))
            flushedOffset += result
            offset += result
            reporting?(offset)
        }
    }

    private func discard() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
        finished = true
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// The system call, reachable under a name the writer's own `write` methods do not shadow.
private func posixWrite(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, base, count)
}
