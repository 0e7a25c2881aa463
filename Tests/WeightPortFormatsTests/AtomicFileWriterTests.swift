import Foundation
import WeightPortCore
@testable import WeightPortFormats
import XCTest

final class AtomicFileWriterTests: XCTestCase {
    private struct Interrupted: Error {}

    func testCommitWritesSmallAndLargeChunksInOrder() throws {
        let folder = try temporaryFolder()
        let big = WriterSamples.bytes(3 << 20, seed: 5, dtype: .uint8)
        try AtomicFileWriter.write(to: folder + "/out.bin") { writer in
            try writer.write([1, 2, 3])
            try writer.write(big)
            try writer.writeZeros(70_000)
            try writer.write([9])
            XCTAssertEqual(writer.bytesWritten, 3 + big.count + 70_000 + 1)
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/out.bin"))
        XCTAssertEqual(Array(data), [1, 2, 3] + big + [UInt8](repeating: 0, count: 70_000) + [9])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["out.bin"], "no temp file left")
    }

    /// Runs of every size around the page (4 KiB), the direct-write minimum (64 KiB) and the
    /// buffer (1 MiB), in an order that leaves the file offset unaligned before most large runs:
    /// the bytes arrive in order, and every write(2) starts at a page boundary and all but the
    /// last end at one.
    func testWritesArePageAlignedAndKeepEveryByte() throws {
        let folder = try temporaryFolder()
        let sizes = [8, 1_234, 65_536, 3, 4_096, 65_535, 1 << 20, 4_095, (1 << 20) + 4_097, 70_001, 1,
                     (1 << 20) - 5, 200_000, 4_097, (3 << 20) + 11, 17]
        var expected: [UInt8] = []
        let writer = try AtomicFileWriter(destination: folder + "/out.bin")
        writer.writeCalls = []
        for (index, size) in sizes.enumerated() {
            let run = WriterSamples.bytes(size, seed: UInt64(index + 1), dtype: .uint8)
            try writer.write(run)
            expected += run
        }
        XCTAssertEqual(writer.bytesWritten, expected.count)
        try writer.commit()
        let calls = writer.writeCalls ?? []
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/out.bin"))
        XCTAssertEqual(data.count, expected.count)
        XCTAssertTrue(Array(data) == expected, "bytes differ")
        XCTAssertGreaterThan(calls.count, 3)
        XCTAssertEqual(calls.reduce(0) { $0 + $1.count }, expected.count)
        for (index, call) in calls.enumerated() {
            XCTAssertEqual(call.offset % 4096, 0, "write \(index) starts at \(call.offset)")
            if index < calls.count - 1 { XCTAssertEqual((call.offset + call.count) % 4096, 0, "write \(index) ends unaligned") }
        }
    }

    /// A region written after an unaligned start reports its progress piece by piece, each
    /// figure the region's bytes the kernel has so far, ending with all of them.
    func testRegionWriteReportsItsProgress() throws {
        let folder = try temporaryFolder()
        let bytes = WriterSamples.bytes((5 << 20) + 1_000, seed: 9, dtype: .uint8)
        let writer = try AtomicFileWriter(destination: folder + "/out.bin")
        writer.writeCalls = []
        try writer.write([1, 2, 3])
        var reports: [Int] = []
        try writer.write(ByteRegion(copying: bytes)) { reports.append($0) }
        try writer.commit()
        XCTAssertEqual(reports.last, bytes.count)
        XCTAssertEqual(reports, reports.sorted(), "progress never goes back")
        // The page-aligned middle goes out in 1 MiB calls, each reported as it returns.
        XCTAssertGreaterThanOrEqual(reports.count, 6, "\(reports)")
        let flushed = (writer.writeCalls ?? []).map { $0.offset + $0.count - 3 }
        for report in reports.dropLast() { XCTAssertTrue(flushed.contains(report), "report \(report) is no write's end") }
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: folder + "/out.bin")) == Data([1, 2, 3] + bytes))
    }

    func testFailureMidWriteLeavesNoDestinationAndNoTempFile() throws {
        let folder = try temporaryFolder()
        XCTAssertThrowsError(try AtomicFileWriter.write(to: folder + "/out.bin") { writer in
            try writer.write(WriterSamples.bytes(2 << 20, seed: 1, dtype: .uint8))
            throw Interrupted()
        }) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    func testExistingDestinationRefusedUnlessOverwrite() throws {
        let folder = try temporaryFolder()
        let path = folder + "/out.bin"
        try Data([7, 7]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try AtomicFileWriter.write(to: path) { try $0.write([1]) }) { error in
            XCTAssertEqual(error as? WriterError, .destinationExists(path: path))
        }
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), [7, 7])
        try AtomicFileWriter.write(to: path, overwrite: true) { try $0.write([1]) }
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), [1])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["out.bin"])
    }

    /// A file that appears at the destination while writing is not replaced either.
    func testDestinationCreatedDuringWriteIsNotReplaced() throws {
        let folder = try temporaryFolder()
        let path = folder + "/out.bin"
        let writer = try AtomicFileWriter(destination: path)
        try writer.write([1, 2])
        try Data([5]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try writer.commit()) { XCTAssertEqual($0 as? WriterError, .destinationExists(path: path)) }
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), [5])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["out.bin"])
    }

    func testDroppedWriterRemovesItsTempFile() throws {
        let folder = try temporaryFolder()
        do {
            let writer = try AtomicFileWriter(destination: folder + "/out.bin")
            try writer.write([1])
            XCTAssertTrue(FileManager.default.fileExists(atPath: writer.temporaryPath))
            XCTAssertTrue(writer.temporaryPath.hasPrefix(folder + "/.out.bin.tmp-"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    func testMissingFolderIsATypedWriteError() throws {
        let path = try temporaryFolder() + "/missing/out.bin"
        XCTAssertThrowsError(try AtomicFileWriter(destination: path)) { error in
            guard case .cannotWrite(let reported, _)? = error as? WriterError else { return XCTFail("\(error)") }
            XCTAssertEqual(reported, path)
        }
    }

    /// Slices of a mapped file: one at the same offset within a page as its destination (copied
    /// by the kernel), one at another offset and one small (both written from memory).
    func testMappedRegionsArriveIntactByEitherRoute() throws {
        let folder = try temporaryFolder()
        let source = WriterSamples.bytes(6 << 20, seed: 11, dtype: .uint8)
        try Data(source).write(to: URL(fileURLWithPath: folder + "/source.bin"))
        let mapped = try MappedFile.map(path: folder + "/source.bin")
        XCTAssertEqual(mapped.slice(4096 + 100, 10).fileOrigin?.offset, 4196)
        XCTAssertNil(ByteRegion(copying: source[0..<10]).fileOrigin, "owned memory has no file")
        var copiedInKernel = 0
        var declined = false
        try AtomicFileWriter.write(to: folder + "/out.bin") { writer in
            // Taken only on file systems that share or offload copies; driven here on any.
            writer.kernelCopyUnavailable = false
            try writer.write(Array(source[0..<100]))
            try writer.write(mapped.slice(8192 + 100, 2 << 20))
            try writer.write(mapped.slice(7, (2 << 20) + 1))
            try writer.write(mapped.slice(5000, 300))
            copiedInKernel = writer.bytesCopiedInKernel
            declined = writer.kernelCopyUnavailable
        }
        let expected = Array(source[0..<100]) + source[(8192 + 100)..<(8192 + 100 + (2 << 20))]
            + source[7..<(7 + (2 << 20) + 1)] + source[5000..<5300]
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/out.bin"))), expected)
        // Only the slice whose page offset agrees with its destination goes through the kernel
        // (unless the file system declines copy_file_range, as some do).
        XCTAssertEqual(copiedInKernel, declined ? 0 : 2 << 20)
    }

    /// Space reserved beyond what is written is given back when the output is committed.
    func testUnusedReservationIsReleasedAtCommit() throws {
        let path = try temporaryFolder() + "/out.bin"
        try AtomicFileWriter.write(to: path) { writer in
            writer.reserve(32 << 20)
            try writer.write(WriterSamples.bytes(1 << 20, seed: 2, dtype: .uint8))
        }
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_size, 1 << 20)
        XCTAssertLessThan(Int(info.st_blocks) * 512, 4 << 20, "reserved blocks past the end were not released")
    }
}
