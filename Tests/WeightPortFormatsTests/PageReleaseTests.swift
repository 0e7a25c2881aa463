import Foundation
import WeightPortCore
import WeightPortFormats
import XCTest

/// A conversion's source map drops each slice's pages once a writer has written them
/// (`ByteRegion.releasesWrittenPages`). What must hold: the output is unchanged, the slice's whole
/// pages are gone from the process (so the final unmap has nothing left to tear down there), its
/// partial first and last pages stay, and reading the slice again gives the same bytes. And the
/// prefault that brings a source's pages in ahead of its writer leaves none out.
final class PageReleaseTests: XCTestCase {
    private let page = 4096

    func testWrittenSlicePagesAreDroppedAndReadBackUnchanged() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wp-release-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("source.bin").path
        let original = (0..<(64 * page)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
        try Data(original).write(to: URL(fileURLWithPath: source))

        let map = try MappedFile.map(path: source, prefault: true)
        // Starts and ends inside a page, and is longer than the writer's 1 MiB buffer would take
        // whole, so it goes the way tensor bytes go (straight from the map).
        let slice = map.slice(3 * page + 100, 40 * page)
        XCTAssertEqual(try presentPages(slice), 41, "prefaulted: the slice spans 41 pages")

        let output = folder.appendingPathComponent("out.bin").path
        map.releasesWrittenPages = true
        try AtomicFileWriter.write(to: output) { sink in try sink.write(slice) }
        MappedFile.waitForReleasedPages()

        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), Data(original[(3 * page + 100)..<(43 * page + 100)]))
        // 39 whole pages dropped; the first and last, shared with bytes outside the slice, kept.
        XCTAssertEqual(try presentPages(slice), 2)
        XCTAssertEqual(Array(slice.bytes), Array(original[(3 * page + 100)..<(43 * page + 100)]))
        XCTAssertEqual(try presentPages(slice), 41, "read again: every page back")
    }

    func testWithoutTheFlagNothingIsDropped() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wp-release-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("source.bin").path
        try Data(repeating: 7, count: 32 * page).write(to: URL(fileURLWithPath: source))
        let map = try MappedFile.map(path: source, prefault: true)
        try AtomicFileWriter.write(to: folder.appendingPathComponent("out.bin").path) { sink in try sink.write(map) }
        MappedFile.waitForReleasedPages()
        XCTAssertEqual(try presentPages(map), 32)
    }

    /// A slice mapped with 2 MiB entries (a file cached in 2 MiB folios) is left mapped: dropping
    /// it would save nothing at the unmap and interrupt the writer's core for each TLB flush.
    /// Skipped where the kernel or file system does not map this file with 2 MiB entries.
    func testSlicesMappedWithHugeEntriesAreKept() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wp-release-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("source.bin").path
        let huge = 2 << 20
        let original = (0..<(4 * huge)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 16) }
        // Written 2 MiB a call: ext4 (Linux 6.16 and later) then caches it in 2 MiB folios.
        let descriptor = open(source, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        original.withUnsafeBytes { bytes in
            for offset in stride(from: 0, to: bytes.count, by: huge) {
                XCTAssertEqual(write(descriptor, bytes.baseAddress! + offset, huge), huge)
            }
        }
        close(descriptor)
        let map = try MappedFile.map(path: source, prefault: true)
        guard try hugeMapped(map) >= 2 * huge else {
            throw XCTSkip("this file is not mapped with 2 MiB entries here (page cache folios or THP settings)")
        }
        let slice = map.slice(huge, 2 * huge)
        let output = folder.appendingPathComponent("out.bin").path
        map.releasesWrittenPages = true
        try AtomicFileWriter.write(to: output) { sink in try sink.write(slice) }
        MappedFile.waitForReleasedPages()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), Data(original[huge..<(3 * huge)]))
        XCTAssertEqual(try presentPages(slice), 2 * huge / page, "kept: every page still mapped")
    }

    /// Bytes of `region`'s map that /proc/self/smaps reports as FilePmdMapped.
    private func hugeMapped(_ region: ByteRegion) throws -> Int {
        // Read to the end: /proc files report a size of 0, which whole-file readers trust.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        let start = String(UInt(bitPattern: region.base), radix: 16) + "-"
        guard let range = smaps.range(of: "\n" + start) ?? (smaps.hasPrefix(start) ? smaps.range(of: start) : nil) else { return 0 }
        for line in smaps[range.upperBound...].split(separator: "\n").prefix(30) where line.hasPrefix("FilePmdMapped:") {
            return (Int(line.split(separator: " ")[1]) ?? 0) * 1024
        }
        return 0
    }

    /// `prefault()` works through a region in 2 MiB pieces (so that it never holds the map lock
    /// for long); every page from the one holding the first byte to the one holding the last
    /// must end up present, across piece boundaries and a partial last piece.
    func testPrefaultMakesEveryPagePresentAcrossPieces() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wp-prefault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("source.bin").path
        try Data((0..<(9 << 20)).map { UInt8(truncatingIfNeeded: $0 >> 9) }).write(to: URL(fileURLWithPath: source))
        let map = try MappedFile.map(path: source, prefault: false)
        // From 100 bytes before the first 2 MiB boundary to 300 KiB into the fourth piece.
        let slice = map.slice((2 << 20) - 100, (6 << 20) + 300 * 1024)
        let spanned = ((2 << 20) - 100 + (6 << 20) + 300 * 1024 - 1) / page - ((2 << 20) - 100) / page + 1
        XCTAssertEqual(try presentPages(slice), 0, "nothing read through the map yet")
        slice.prefault()
        XCTAssertEqual(try presentPages(slice), spanned)
    }

    /// Pages of `region` mapped in this process, from /proc/self/pagemap's present bit (bit 63),
    /// which an unprivileged process may read for itself.
    private func presentPages(_ region: ByteRegion) throws -> Int {
        let first = Int(bitPattern: region.base) / page
        let last = (Int(bitPattern: region.base) + region.count - 1) / page
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/pagemap"))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(first * 8))
        let entries = try handle.read(upToCount: (last - first + 1) * 8) ?? Data()
        return stride(from: 0, to: entries.count, by: 8).filter { entries[$0 + 7] & 0x80 != 0 }.count
    }
}
