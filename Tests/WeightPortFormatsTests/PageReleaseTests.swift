import Foundation
import WeightPortCore
import WeightPortFormats
import XCTest

/// A conversion's source map drops each slice's pages once a writer has written them
/// (`ByteRegion.releasesWrittenPages`). What must hold: the output is unchanged, the slice's whole
/// pages are gone from the process (so the final unmap has nothing left to tear down there), its
/// partial first and last pages stay, and reading the slice again gives the same bytes.
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
