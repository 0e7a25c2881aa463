import Foundation
import WeightPortCore
import WeightPortHDF5
import XCTest

/// Bundles are published like every other output (`AtomicPublisher`): whole or not at all, and
/// never over a file that appeared while they were written unless asked to overwrite.
final class BundlePublishTests: XCTestCase {
    func entry() -> BundleWriter.Entry {
        BundleWriter.Entry(canonical: "stem.conv1.weight", tensor: Tensor(float32: [1, 2, 3, 4], shape: [2, 2]),
                           sourceName: "conv1_w", sourceDType: "float32", transform: nil)
    }

    func testAFileThatAppearedMeanwhileIsNotReplaced() throws {
        let folder = NSTemporaryDirectory() + "bundle-publish-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/out.h5"
        XCTAssertThrowsError(try BundleWriter.write([entry()], attributes: {
            // Another process creates the destination while the datasets are being written.
            _ = FileManager.default.createFile(atPath: path, contents: Data("theirs".utf8))
            return []
        }, parity: nil, to: path, compress: false, overwrite: false))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "theirs")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["out.h5"], "temporary file left behind")

        try BundleWriter.write([entry()], attributes: { [] }, parity: nil, to: path, compress: false, overwrite: true)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A], "HDF5 signature")
    }

    /// `WEIGHTPORT_FSYNC` is read once by the publisher every writer uses (the bundle writer used
    /// to keep its own rename and ignored it).
    func testDurabilityFlagIsThePublishers() {
        XCTAssertEqual(AtomicPublisher.durable, ProcessInfo.processInfo.environment["WEIGHTPORT_FSYNC"] == "1")
    }
}
