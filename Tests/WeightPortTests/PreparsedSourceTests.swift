import Foundation
@testable import WeightPort
import WeightPortTestSupport
import XCTest

/// A source read ahead (`PreparsedSource`) is used only when it is the very file asked for, and
/// only once; anything else (another path, a file rewritten since, a file that does not read,
/// HDF5) is left to the ordinary reader, which reads it again and reports any error itself.
final class PreparsedSourceTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("wp-preparsed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    private func copy(_ fixture: String, as name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: path)
        return path
    }

    func testTheSameFileIsTakenOnceWithItsTensors() throws {
        let path = try copy("formats/pkl_py2_detectron.pkl", as: "model.pkl")
        let ordinary = try WeightFileLoader.load(path: path)
        let early = PreparsedSource(path: path)
        XCTAssertNil(early.take(path: path + "x"), "another path")
        let (file, bytes) = try XCTUnwrap(early.take(path: path))
        XCTAssertEqual(file.tensors.names, ordinary.tensors.names)
        XCTAssertEqual(file.tensors.map(\.tensor.shape), ordinary.tensors.map(\.tensor.shape))
        XCTAssertEqual(bytes.count, try Data(contentsOf: URL(fileURLWithPath: path)).count)
        XCTAssertNil(early.take(path: path), "taken already: the map is the first caller's")
    }

    func testAFileRewrittenSinceIsReadAgain() throws {
        let path = try copy("formats/pkl_py2_detectron.pkl", as: "model.pkl")
        let early = PreparsedSource(path: path)
        early.waitUntilRead()
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: Fixtures.path("formats/pkl_py2_flat.pkl"), toPath: path)
        XCTAssertNil(early.take(path: path))
    }

    func testFilesThatDoNotReadFromMemoryAreLeftToTheOrdinaryReader() throws {
        let broken = folder.appendingPathComponent("broken.pkl").path
        try Data([0x80, 0x02, 0x7D, 0x71]).write(to: URL(fileURLWithPath: broken))
        XCTAssertNil(PreparsedSource(path: broken).take(path: broken))
        XCTAssertThrowsError(try WeightFileLoader.load(path: broken))
        let hdf5 = try copy("formats/h5_mixed.h5", as: "weights.h5")
        XCTAssertNil(PreparsedSource(path: hdf5).take(path: hdf5))
        XCTAssertNil(PreparsedSource(path: folder.path).take(path: folder.path), "a folder")
    }
}
