import WeightPortBuiltInTables
import Foundation
import WeightPort
import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// ZooConverter through the library: files chosen by content, hidden files and the output folder
/// left out, a shared output name refused rather than overwritten.
final class ZooConverterTests: XCTestCase {
    func testFilesAreChosenByContentAndOutputNamesAreNotShared() throws {
        let zoo = FileManager.default.temporaryDirectory.appendingPathComponent("wp-zoo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: zoo) }
        let nested = zoo.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let torchvision = URL(fileURLWithPath: Fixtures.path("conventions/torchvision.pth"))
        try FileManager.default.copyItem(at: torchvision, to: zoo.appendingPathComponent("model.bin"))
        try FileManager.default.copyItem(at: torchvision, to: nested.appendingPathComponent("model.pth"))
        try FileManager.default.copyItem(at: torchvision, to: zoo.appendingPathComponent(".hidden.pth"))
        try Data("not weights\n".utf8).write(to: zoo.appendingPathComponent("notes.txt"))
        // Configs as a model folder holds them: text whose first byte ('#') reads as a protobuf
        // tag for one of Caffe's fields, once taken for a damaged caffemodel.
        try Data("# Mask R-CNN, R-50-FPN\nMODEL:\n  WEIGHTS: model.pth\n".utf8).write(to: nested.appendingPathComponent("config.yaml"))
        try Data("# mmdetection\n_base_ = './base.py'\n".utf8).write(to: zoo.appendingPathComponent("config.py"))
        // And text whose first byte is such a tag with the wire type Caffe declares for it: a line
        // feed is NetParameter's name, a space its input_dim.
        try Data("\nMODEL:\n  WEIGHTS: model.pth\n".utf8).write(to: nested.appendingPathComponent("blank-first.yaml"))
        try Data("  indented: true\n".utf8).write(to: nested.appendingPathComponent("indented.yaml"))
        let out = zoo.appendingPathComponent("out")

        var request = ZooConverter.Request(sources: [zoo.path], outputFolder: out.path, format: .pickle, jobs: 2)
        request.options.to = "detectron"
        let finished = Counter()
        let results = try ZooConverter.convert(request, catalog: try MappingCatalog.builtIn()) { _ in finished.add() }

        XCTAssertEqual(results.map { URL(fileURLWithPath: $0.source).lastPathComponent }, ["model.pth", "model.bin"])
        XCTAssertEqual(finished.value, 2)
        XCTAssertEqual(results.filter(\.ok).count, 1)
        let refused = try XCTUnwrap(results.first { !$0.ok })
        XCTAssertTrue(refused.error?.what.contains("already taken") ?? false, "\(String(describing: refused.error?.what))")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["model.pkl"])
        let converted = try XCTUnwrap(results.first(where: \.ok))
        XCTAssertEqual(converted.output, out.appendingPathComponent("model.pkl").path)
        XCTAssertEqual(converted.convention, "torchvision")

        // A second run does not pick up the first run's output folder inside the zoo.
        request.options.force = true
        XCTAssertEqual(try ZooConverter.convert(request, catalog: try MappingCatalog.builtIn()).count, 2)
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
