import Foundation
import WeightPortCore
@testable import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// TorchZipWriter's archive, parsed back by the readers' own ZipDirectory.
final class TorchZipWriterTests: XCTestCase {
    func testRecordsOrderAlignmentAndChecksums() throws {
        let samples = try WriterSamples.all()
        let path = try temporaryFolder() + "/r50_ckpt.pth"
        try TorchZipWriter.write(WriterSamples.stateDict(samples), to: path)
        let bytes = try MappedFile.map(path: path)
        let zip = try ZipDirectory(bytes)
        let expectedNames = ["r50_ckpt/data.pkl", "r50_ckpt/byteorder"]
            + samples.indices.map { "r50_ckpt/data/\($0)" } + ["r50_ckpt/version"]
        XCTAssertEqual(zip.entries.map(\.name), expectedNames)
        for entry in zip.entries {
            XCTAssertEqual(entry.method, 0, entry.name)
            XCTAssertEqual(try zip.dataOffset(entry) % 64, 0, "\(entry.name) data 64-byte aligned")
            let data = try zip.storedData(entry)
            XCTAssertEqual(entry.uncompressedSize, data.count)
            // ZipInflater's byte-at-a-time CRC32 is an independent implementation of the same CRC.
            XCTAssertEqual(entry.crc32, CRC32.checksum(data.bytes), entry.name)
            XCTAssertEqual(try descriptorCRC(bytes, after: zip.dataOffset(entry) + data.count), entry.crc32, entry.name)
        }
        XCTAssertEqual(try zip.storedData(zip.entries.last!).toArray(), Array("3\n".utf8))
        XCTAssertEqual(try zip.storedData(zip.entries[1]).toArray(), Array("little".utf8))
        for (index, sample) in samples.enumerated() {
            let record = try zip.storedData(zip.entries[2 + index])
            XCTAssertEqual(record.toArray(), sample.tensor.contiguousBytes().toArray(), sample.name)
        }
        let pickle = try zip.storedData(zip.entries[0]).toArray()
        XCTAssertEqual(Array(pickle.prefix(2)), [0x80, 0x02])
        XCTAssertEqual(pickle.last, 0x2E)
    }

    /// Storage keys follow first reference in data.pkl, also inside nested containers.
    func testNestedCheckpointNumbersStoragesInReferenceOrder() throws {
        let a = try WriterSamples.make("a", .float32, [3], seed: 1)
        let b = try WriterSamples.make("b", .uint16, [2], seed: 2)
        let c = try WriterSamples.make("c", .bfloat16, [4], seed: 3)
        let object = PickleWritable.stringDict([
            ("epoch", .int(3)),
            ("model", .stateDict(StateDict([("b", b.tensor), ("a", a.tensor)]))),
            ("ema", .list([.tensor(c.tensor)])),
        ])
        let (pickle, storages) = TorchZipWriter.dataPickle(object)
        XCTAssertEqual(storages.map { $0.contiguousBytes().toArray() }, [b.source, a.source, c.source])
        let text = String(decoding: pickle, as: UTF8.self)
        XCTAssertTrue(text.contains("torch._utils\n_rebuild_tensor_v3\n"), "uint16 needs v3")
        XCTAssertTrue(text.contains("torch.storage\nUntypedStorage\n"))
        XCTAssertTrue(text.contains("torch\nuint16\n"))
        XCTAssertTrue(text.contains("torch\nBFloat16Storage\n"))
        let path = try temporaryFolder() + "/nested.pt"
        try TorchZipWriter.write(object, to: path, archiveName: "archive")
        let zip = try ZipDirectory(try MappedFile.map(path: path))
        XCTAssertEqual(zip.entries.map(\.name), ["archive/data.pkl", "archive/byteorder", "archive/data/0",
                                                  "archive/data/1", "archive/data/2", "archive/version"])
    }

    func testArchiveNameIsTheFileStem() {
        XCTAssertEqual(TorchZipWriter.archiveName(for: "out/r50.pth"), "r50")
        XCTAssertEqual(TorchZipWriter.archiveName(for: "model.final.pt"), "model.final")
        XCTAssertEqual(TorchZipWriter.archiveName(for: "dir/.pth"), ".pth")
        XCTAssertEqual(TorchZipWriter.archiveName(for: "noext"), "noext")
    }

    /// The data descriptor after a record repeats its CRC (PK\x07\x08 + CRC + sizes).
    /// Records ended before their checksums were known (a streamed `.pth` whose checksum thread
    /// fell behind) and settled afterwards give the same bytes as records ended with them; an
    /// archive finished with one still unsettled is refused.
    func testRecordsSettledLaterMatchRecordsEndedWithTheirChecksums() throws {
        let folder = try temporaryFolder()
        let payloads = (0..<3).map { WriterSamples.bytes(70_000 + 4_099 * $0, seed: UInt64(40 + $0), dtype: .uint8) }
        func archive(_ name: String, settleLater: Bool) throws -> [UInt8] {
            let path = folder + "/" + name
            let sink = try AtomicFileWriter(destination: path)
            let zip = ZipArchiveWriter(sink: sink)
            var later: [(Int, UInt32)] = []
            for (i, payload) in payloads.enumerated() {
                let record = try zip.beginRecord(name: "a/data/\(i)", size: payload.count)
                try sink.write(payload)
                let crc = FastCRC32.checksum(payload)
                if settleLater, i != 1, let index = try zip.endRecord(record, crc: nil) {
                    later.append((index, crc))
                } else {
                    XCTAssertNil(try zip.endRecord(record, crc: crc))
                }
            }
            try zip.addRecord(name: "a/version", bytes: Array("3\n".utf8))
            for (index, crc) in later { try zip.settle(index, crc: crc) }
            try zip.finish()
            try sink.commit()
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let direct = try archive("direct.pth", settleLater: false)
        let settled = try archive("settled.pth", settleLater: true)
        XCTAssertTrue(settled == direct, "settled archive differs")
        let zip = try ZipDirectory(try MappedFile.map(path: folder + "/settled.pth"))
        for (i, entry) in zip.entries.prefix(3).enumerated() { XCTAssertEqual(entry.crc32, payloads[i].withUnsafeBytes { CRC32.checksum($0) }, entry.name) }

        let sink = try AtomicFileWriter(destination: folder + "/unsettled.pth")
        let zip2 = ZipArchiveWriter(sink: sink)
        let record = try zip2.beginRecord(name: "a/data/0", size: payloads[0].count)
        try sink.write(payloads[0])
        XCTAssertEqual(try zip2.endRecord(record, crc: nil), 0)
        XCTAssertThrowsError(try zip2.finish())
        sink.abort()
    }

    private func descriptorCRC(_ bytes: ByteRegion, after end: Int) throws -> UInt32 {
        XCTAssertEqual(bytes.bytes.loadUnaligned(fromByteOffset: end, as: UInt32.self), 0x0807_4B50)
        return bytes.bytes.loadUnaligned(fromByteOffset: end + 4, as: UInt32.self)
    }
}

/// The ZIP64 rules, exercised on the layout functions with sizes and offsets past 4 GiB
/// (writing such files in a unit test would take minutes and gigabytes).
final class ZipLayoutWriterTests: XCTestCase {
    func testLocalHeaderAlignsDataForSmallAndHugeRecords() {
        let name = Array("archive/data/12".utf8)
        for offset in [0, 1, 63, 100, 0xFFFF_FFFE, 0xFFFF_FFFF, 5 << 30 + 17] {
            for size in [0, 10, 0xFFFF_FFFE, 0xFFFF_FFFF, 6 << 30] {
                let header = ZipArchiveWriter.localHeader(name: name, size: size, offset: offset, alignment: 64)
                XCTAssertEqual((offset + header.count) % 64, 0, "offset \(offset) size \(size)")
                let extraLength = Int(header[28]) | Int(header[29]) << 8
                let extra = Array(header[(30 + name.count)...])
                XCTAssertEqual(extra.count, extraLength)
                let hasZip64 = extra[0] == 0x01 && extra[1] == 0x00
                XCTAssertEqual(hasZip64, size >= 0xFFFF_FFFF, "ZIP64 sizes exactly when the record reaches 4 GiB")
                let descriptor = ZipArchiveWriter.dataDescriptor(crc: 1, size: size,
                                                                 wide: size >= 0xFFFF_FFFF || offset >= 0xFFFF_FFFF)
                XCTAssertEqual(descriptor.count, size >= 0xFFFF_FFFF || offset >= 0xFFFF_FFFF ? 24 : 16)
            }
        }
    }

    /// Central entries with ≥ 4 GiB sizes/offsets round-trip through the readers' ZipDirectory.
    func testCentralDirectoryZip64FieldsParseBack() throws {
        let records = [
            ZipArchiveWriter.Record(name: Array("a/data.pkl".utf8), crc: 7, size: 120, headerOffset: 0),
            ZipArchiveWriter.Record(name: Array("a/data/0".utf8), crc: 8, size: 5 << 30, headerOffset: 256),
            ZipArchiveWriter.Record(name: Array("a/data/1".utf8), crc: 9, size: 64, headerOffset: (5 << 30) + 400),
            ZipArchiveWriter.Record(name: Array("a/version".utf8), crc: 10, size: 0xFFFF_FFFF, headerOffset: 0xFFFF_FFFF),
        ]
        let directory = records.flatMap(ZipArchiveWriter.centralEntry)
        let archive = directory + ZipArchiveWriter.endRecords(count: records.count, directorySize: directory.count,
                                                               directoryOffset: 0, zip64Offset: directory.count)
        let zip = try ZipDirectory(ByteRegion(copying: archive))
        XCTAssertEqual(zip.entries.map(\.name), ["a/data.pkl", "a/data/0", "a/data/1", "a/version"])
        XCTAssertEqual(zip.entries.map(\.uncompressedSize), records.map(\.size))
        XCTAssertEqual(zip.entries.map(\.compressedSize), records.map(\.size))
        XCTAssertEqual(zip.entries.map(\.localHeaderOffset), records.map(\.headerOffset))
        XCTAssertEqual(zip.entries.map(\.crc32), [7, 8, 9, 10])
    }
}

final class CRC32WriterTests: XCTestCase {
    func testCheckValue() {
        // The CRC-32/ISO-HDLC check value of "123456789" (the catalogue's standard test vector).
        XCTAssertEqual(FastCRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(FastCRC32.checksum([UInt8]()), 0)
    }

    /// Both methods (carry-less folding from 64 bytes on — 512-bit lanes from 512 bytes where
    /// the CPU has VPCLMULQDQ —, slicing-by-16 tables) equal the byte-at-a-time CRC for every
    /// length and alignment around the folding's 512-, 256-, 64- and 16-byte steps, and when fed
    /// in pieces.
    func testMatchesBytewiseCRCForAllLengthsAndSplits() {
        let data = WriterSamples.bytes(4099, seed: 9, dtype: .uint8)
        data.withUnsafeBytes { raw in
            for start in 0..<9 {
                for length in [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33] + Array(60...200) + Array(500...800)
                    + [1000, 2047, 2048, 2049, 4090 - start] {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    let expected = CRC32.checksum(slice)
                    XCTAssertEqual(FastCRC32.checksum(slice), expected, "start \(start) length \(length)")
                    XCTAssertEqual(FastCRC32.tableChecksum(slice), expected, "tables: start \(start) length \(length)")
                }
            }
            var pieces = FastCRC32()
            for cut in stride(from: 0, to: raw.count, by: 333) {
                pieces.update(UnsafeRawBufferPointer(rebasing: raw[cut..<min(cut + 333, raw.count)]))
            }
            XCTAssertEqual(pieces.checksum, CRC32.checksum(raw))
        }
    }
}

final class ChecksumPipelineTests: XCTestCase {
    /// Checksums come back for the right region whatever order and moment they are asked in.
    func testChecksumsMatchTheirRegionsInAnyOrder() {
        let regions = (0..<40).map { i in ByteRegion(copying: WriterSamples.bytes(1000 + 997 * i, seed: UInt64(i), dtype: .uint8)) }
        let pipeline = ChecksumPipeline(regions)
        for i in [39, 0, 17, 17, 5] + Array(0..<40) {
            XCTAssertEqual(pipeline.checksum(i), CRC32.checksum(regions[i].bytes), "region \(i)")
        }
    }
}

/// Checksums paced by a writer's position (`WriteProgress`) read no more than
/// `ChecksumPipeline.lead` (plus the piece in hand) ahead of it, resume once it is within half of
/// that, and still come out right.
final class PacedChecksumPipelineTests: XCTestCase {
    private let mib = 1 << 20

    func testPacedChecksumsWaitForTheWriter() {
        XCTAssertEqual(ChecksumPipeline.lead, 4 * mib, "the region sizes below assume a 4 MiB lead")
        // Regions at [0, 2), [2, 4) and [4, 6) MiB of the writer's sequence.
        let regions = (0..<3).map { i in ByteRegion(copying: WriterSamples.bytes(2 * mib, seed: UInt64(20 + i), dtype: .uint8)) }
        let progress = WriteProgress()
        let pipeline = ChecksumPipeline(regions, prefault: true, pacedBy: progress)
        // With the writer at 0 the first two regions lie within the lead.
        XCTAssertEqual(pipeline.checksum(1), CRC32.checksum(regions[1].bytes))
        // The third's second piece (from 5 MiB) waits for the writer to reach 5 - 4/2 = 3 MiB.
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertFalse(pipeline.isReady(2), "read more than the lead ahead of a writer at 0")
        progress.advance(to: 2 * mib)
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertFalse(pipeline.isReady(2), "resumed before the writer came within half the lead")
        progress.advance(to: 3 * mib)
        for i in 0..<3 { XCTAssertEqual(pipeline.checksum(i), CRC32.checksum(regions[i].bytes), "region \(i)") }
    }

    /// A writer that stops early (failed, cancelled) lets the checksums finish unpaced.
    func testEndedWriterReleasesThePipeline() {
        let regions = (0..<4).map { i in ByteRegion(copying: WriterSamples.bytes(3 * mib + 17 * i, seed: UInt64(30 + i), dtype: .uint8)) }
        let progress = WriteProgress()
        let pipeline = ChecksumPipeline(regions, pacedBy: progress)
        progress.advance(to: mib)
        progress.end()
        for i in 0..<4 { XCTAssertEqual(pipeline.checksum(i), CRC32.checksum(regions[i].bytes), "region \(i)") }
    }
}

/// The plain byte-at-a-time CRC-32 (IEEE, reflected), an independent check of FastCRC32's tables.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
