import CSystem
import Foundation

/// An immutable run of bytes that keeps its owner (a mapped file or an owned buffer) alive.
///
/// Readers slice regions out of a mapped file instead of copying, so a tensor read from a
/// 250 MB checkpoint costs no memory beyond the page cache until its values are converted.
public struct ByteRegion: @unchecked Sendable {
    // Safe to share across threads: the bytes are never mutated after creation.
    private let owner: AnyObject?
    public let base: UnsafeRawPointer
    public let count: Int

    init(owner: AnyObject?, base: UnsafeRawPointer, count: Int) {
        self.owner = owner
        self.base = base
        self.count = count
    }

    /// A region holding a copy of `bytes`.
    public init<C: Collection>(copying bytes: C) where C.Element == UInt8 {
        let box = OwnedBytes(count: bytes.count)
        if !bytes.isEmpty {
            let typed = box.pointer.bindMemory(to: UInt8.self, capacity: bytes.count)
            _ = UnsafeMutableBufferPointer(start: typed, count: bytes.count).initialize(from: bytes)
        }
        self.init(owner: box, base: UnsafeRawPointer(box.pointer), count: bytes.count)
    }

    /// A region of `count` bytes filled by `fill`, which receives the writable buffer once.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let box = OwnedBytes(count: count)
        try fill(UnsafeMutableRawBufferPointer(start: box.pointer, count: count))
        self.init(owner: box, base: UnsafeRawPointer(box.pointer), count: count)
    }

    /// A region over memory that `owner` keeps valid for as long as any region refers to it
    /// (for instance a mapping that `owner` unmaps when it is released).
    public init(base: UnsafeRawPointer, count: Int, keptAliveBy owner: AnyObject) {
        self.init(owner: owner, base: base, count: count)
    }

    public static let empty = ByteRegion(copying: [UInt8]())

    /// A sub-region sharing the same owner. The caller checks bounds first.
    public func slice(_ offset: Int, _ length: Int) -> ByteRegion {
        precondition(offset >= 0 && length >= 0 && offset + length <= count, "ByteRegion slice out of bounds")
        return ByteRegion(owner: owner, base: base + offset, count: length)
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    public subscript(i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }

    public func toArray() -> [UInt8] { Array(bytes) }

    public func toData() -> Data { Data(bytes) }

    /// Makes every page of the region present now, in kernel calls of up to 2 MiB each
    /// (`wp_prefault`) rather than a fault per page when it is read; keeps the region alive
    /// meanwhile.
    public func prefault() {
        withExtendedLifetime(self) { wp_prefault(base, count) }
    }

    /// `prefault()` on another thread, returning at once, so that a caller who will read all of
    /// it later (a conversion, once names are mapped) finds the pages mapped instead of faulting
    /// on each. The thread keeps the region alive.
    public func prefaultInBackground() {
        guard count > 0 else { return }
        Thread.detachNewThread { self.prefault() }
    }

    /// Whether writers drop this map's pages behind them (`releaseWrittenPages()`): set by a
    /// caller that reads each byte once, such as a conversion, for the whole map. Unmapping a
    /// prefaulted 254 MB map took 7.5–9 ms here, after the last byte was written; dropped as the
    /// write goes, the pages cost that time on the other core. A dropped page reads back from the
    /// page cache if touched again. No effect on regions that are not file maps.
    public var releasesWrittenPages: Bool {
        get { (owner as? FileBackedMemory)?.releasesWrittenPages ?? false }
        nonmutating set { (owner as? FileBackedMemory)?.releasesWrittenPages = newValue }
    }

    /// Called by a writer once the region's bytes are written: drops its pages on a background
    /// thread when the map `releasesWrittenPages`; otherwise nothing.
    public func releaseWrittenPages() {
        guard let file = owner as? FileBackedMemory, file.releasesWrittenPages else { return }
        file.release(base, count)
    }

    /// Where the bytes lie in a file, when the region is a slice of a mapped file: writers then
    /// copy them file-to-file inside the kernel instead of through this process's memory.
    public var fileOrigin: FileOrigin? {
        guard let file = owner as? FileBackedMemory, file.descriptor >= 0 else { return nil }
        return FileOrigin(descriptor: file.descriptor, offset: base - UnsafeRawPointer(file.address))
    }
}

/// A byte offset in an open file descriptor (valid while the region that reported it lives).
public struct FileOrigin: Sendable, Equatable {
    public let descriptor: Int32
    public let offset: Int
}

/// Memory that is a map of an open file.
protocol FileBackedMemory: AnyObject {
    var descriptor: Int32 { get }
    var address: UnsafeMutableRawPointer { get }
    /// See `ByteRegion.releasesWrittenPages`.
    var releasesWrittenPages: Bool { get set }
    /// Queues the whole pages of [base, base + count) to be dropped on a background thread.
    func release(_ base: UnsafeRawPointer, _ count: Int)
}

/// Heap storage owned by a `ByteRegion`; 64-byte aligned so SIMD loads are never split.
final class OwnedBytes {
    let pointer: UnsafeMutableRawPointer
    init(count: Int) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
    }
    deinit { pointer.deallocate() }
}
