import Foundation
import WeightPortCore
import WeightPortHDF5
import WeightPortTestSupport
import XCTest

/// libhdf5 runs in a child process: whatever it does to a hostile file, the caller gets one
/// HDF5Error. Without a registered executable (as here) the child is a fork of the test process.
final class IsolatedReaderTests: XCTestCase {
    private let limits = HDF5ReadLimits(cpuSeconds: 2, wallSeconds: 30, addressSpaceBytes: 4 << 30)

    /// Reproducers from the hdf5 fuzz target (fixtures/bad/libhdf5/README.md): under
    /// AddressSanitizer each made libhdf5 1.10.8 free an invalid pointer (crash-*) or spin in its
    /// metadata cache (timeout-*). Each must end as a clean error, the hangs stopped by the limit.
    func testLibhdf5ReproducersGiveCleanErrors() throws {
        let folder = Fixtures.path("bad/libhdf5")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".h5") }.sorted()
        XCTAssertEqual(files.count, 5)
        for name in files {
            let started = Date()
            XCTAssertThrowsError(try HDF5TensorReader.read(path: folder + "/" + name, limits: limits), name) { error in
                switch error as? HDF5Error {
                case .library(_, let message, _)?: XCTAssertTrue(name.hasPrefix("crash-"), "\(name): \(message)")
                case .readerTimedOut(let seconds)?:
                    XCTAssertTrue(name.hasPrefix("timeout-"), name)
                    XCTAssertEqual(seconds, 2, name)
                default: XCTFail("\(name): \(error)")
                }
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 30, name)
        }
    }

    func testInMemoryReproducerGivesTheSameError() throws {
        let bytes = try Fixtures.bytes("bad/libhdf5/crash-477587ce.h5")
        XCTAssertThrowsError(try HDF5TensorReader.read(bytes, limits: limits)) { error in
            guard case .library(let operation, let message, _)? = error as? HDF5Error else { return XCTFail("\(error)") }
            XCTAssertEqual(operation, "list the objects of the file")
            XCTAssertTrue(message.contains("checksum"), message)
        }
    }

    // MARK: a registered executable that misbehaves stands for a child that libhdf5 broke

    private func withChild(_ script: String, _ body: () throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wp-child-\(getpid()).sh").path
        try ("#!/bin/sh\n" + script + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o755), 0)
        HDF5IsolatedReader.registerExecutable(path)
        defer {
            HDF5IsolatedReader.registerExecutable(nil)
            try? FileManager.default.removeItem(atPath: path)
        }
        try body()
    }

    private func readFixture(_ limits: HDF5ReadLimits? = nil) throws -> WeightFile {
        try HDF5TensorReader.read(path: Fixtures.path("formats/h5_mixed.h5"), limits: limits)
    }

    func testChildKilledBySignalIsReportedAsACrash() throws {
        try withChild("kill -SEGV $$") {
            XCTAssertThrowsError(try readFixture()) { error in
                XCTAssertEqual(error as? HDF5Error, .readerCrashed("SIGSEGV"))
                XCTAssertEqual((error as? HDF5Error)?.what,
                               "libhdf5 crashed reading this file (SIGSEGV); the file is corrupt or hostile")
            }
        }
    }

    func testChildExitingWithoutAResultIsACrash() throws {
        try withChild("exit 7") {
            XCTAssertThrowsError(try readFixture()) {
                XCTAssertEqual($0 as? HDF5Error, .readerCrashed("the reader process exited with status 7"))
            }
        }
    }

    func testChildThatHangsIsStoppedByTheClock() throws {
        try withChild("exec sleep 60") {
            let started = Date()
            XCTAssertThrowsError(try readFixture(HDF5ReadLimits(cpuSeconds: 1, wallSeconds: 1, addressSpaceBytes: 0))) {
                XCTAssertEqual($0 as? HDF5Error, .readerTimedOut(seconds: 1))
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        }
    }

    func testChildWritingGarbageIsRefused() throws {
        try withChild("printf 'WPH5OUT1\\377\\377\\377\\377\\377\\377\\377\\177' >&3") {
            XCTAssertThrowsError(try readFixture()) { error in
                guard case .readerFailed(let message)? = error as? HDF5Error else { return XCTFail("\(error)") }
                XCTAssertTrue(message.contains("header offset"), message)
            }
        }
    }

    func testChildArgumentsNameTheFileAndLimits() throws {
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("wp-args-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: record) }
        try withChild("echo \"$@\" > \(record); exit 1") {
            XCTAssertThrowsError(try readFixture(HDF5ReadLimits(cpuSeconds: 3, wallSeconds: 9, addressSpaceBytes: 12345)))
        }
        let arguments = try String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(arguments, "\(HDF5IsolatedReader.childCommand) \(Fixtures.path("formats/h5_mixed.h5")) 3 12345")
    }

    func testForkedReadMatchesInProcessRead() throws {
        let isolated = try readFixture()
        let direct = try HDF5TensorReader.readInProcess(path: Fixtures.path("formats/h5_mixed.h5"))
        XCTAssertEqual(isolated.tensors.names, direct.tensors.names)
        for (name, tensor) in direct.tensors {
            XCTAssertEqual(isolated.tensors[name]?.contiguousBytes().toArray(), tensor.contiguousBytes().toArray(), name)
        }
        XCTAssertEqual(isolated.metadataJSON, direct.metadataJSON)
    }

    /// Datasets stored contiguously as they lie in memory are slices of the caller's map of the
    /// file (never copied); compressed and big-endian ones come back read by libhdf5.
    func testStoredDatasetsAreSlicesOfTheCallersMap() throws {
        let path = Fixtures.path("formats/h5_mixed.h5")
        let mapped = try MappedFile.map(path: path)
        let isolated = try HDF5TensorReader.read(path: path, mapped: mapped)
        let direct = try HDF5TensorReader.readInProcess(path: path)
        let inMap = { (name: String) -> Bool in
            guard let base = isolated.tensors[name]?.storage.base else { return false }
            return base >= mapped.base && base < mapped.base + mapped.count
        }
        XCTAssertTrue(inMap("a/f32"))
        XCTAssertTrue(inMap("ints/i64"))
        XCTAssertFalse(inMap("compressed"))
        XCTAssertFalse(inMap("be_f32"))
        for (name, tensor) in direct.tensors {
            XCTAssertEqual(isolated.tensors[name]?.contiguousBytes().toArray(), tensor.contiguousBytes().toArray(), name)
        }
    }

    func testDefaultLimitsGrowWithTheFile() {
        XCTAssertEqual(HDF5ReadLimits.forFile(size: 20_000), HDF5ReadLimits(cpuSeconds: 2, wallSeconds: 11, addressSpaceBytes: (4 << 30) + 80_000))
        XCTAssertEqual(HDF5ReadLimits.forFile(size: 254_000_000).cpuSeconds, 27)
    }
}
