import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// Conversions that write the source's tensors while mapping their names (`streamingMinimum: 0`
/// here, as the fixtures are small), on the paths where they stop or give way: a refused
/// conversion leaves nothing behind, `--drop` keeps the dropped tensor out of what is streamed,
/// `--force` replaces, a missing output folder is reported as the ordinary writer does, and the
/// space reserved before the source was parsed is given back.
final class StreamedConversionTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try ConventionFixtures.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The canonical fixture with an extra tensor no table knows, as safetensors.
    private func sourceWithMystery() throws -> String {
        var tensors = ConventionFixtures.triples(try ConventionFixtures.weights(ConventionFixtures.file("canonical.safetensors").path))
        tensors.append(("mystery.weight", [4096], (0..<4096).map(Float.init)))
        try ConventionFixtures.writeSafetensors(tensors, to: path("source.safetensors"))
        return path("source.safetensors")
    }

    private func request(_ source: String, _ output: String, to target: String = "torchvision") -> Converter.Request {
        var request = Converter.Request(source: source, destination: output)
        request.to = target
        request.streamingMinimum = 0
        return request
    }

    private func files() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) }

    func testARefusedConversionLeavesNoFileBehind() throws {
        let source = try sourceWithMystery()
        for output in ["out.safetensors", "out.pth", "out.pkl"] {
            XCTAssertThrowsError(try Converter.convert(request(source, path(output)), catalog: try ConventionFixtures.catalog), output)
            XCTAssertEqual(try files(), ["source.safetensors"], output)
        }
    }

    func testDroppedTensorsAreNotStreamedAndTheStreamStands() throws {
        let source = try sourceWithMystery()
        for output in ["out.safetensors", "out.pth"] {
            var dropping = request(source, path(output))
            dropping.drop = try NamePatternList(["mystery.*"])
            let outcome = try Converter.convert(dropping, catalog: try ConventionFixtures.catalog)
            XCTAssertFalse(try ConventionFixtures.weights(path(output)).names.contains { $0.contains("mystery") }, output)
            // torchvision's writer computes nothing from this source but the BatchNorm counters,
            // which it adds and the source never had; every streamed tensor is in the output.
            XCTAssertTrue(outcome.streamed, output)
        }
        XCTAssertEqual(try files(), ["source.safetensors", "out.safetensors", "out.pth"])
    }

    func testForceReplacesAndAMissingFolderIsReported() throws {
        let source = ConventionFixtures.file("torchvision.pth").path
        let output = path("tv.safetensors")
        try Data("old".utf8).write(to: URL(fileURLWithPath: output))
        var forced = request(source, output)
        forced.force = true
        XCTAssertTrue(try Converter.convert(forced, catalog: try ConventionFixtures.catalog).streamed)
        XCTAssertEqual(try ConventionFixtures.weights(output).names.count,
                       try ConventionFixtures.weights(source).names.filter { !$0.hasSuffix("num_batches_tracked") }.count)

        let nowhere = path("no-such-folder/tv.safetensors")
        XCTAssertThrowsError(try Converter.convert(request(source, nowhere), catalog: try ConventionFixtures.catalog)) { error in
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
        }
        XCTAssertEqual(try files(), ["tv.safetensors"])
    }

    /// The output file is created with the source's size reserved before the source is parsed
    /// (`StreamedOutput.prepare`); what the output does not take must not stay allocated beyond
    /// its end. Here the source holds a 4 MiB tensor that the conversion drops.
    func testSpaceReservedAheadOfTheSourceIsGivenBack() throws {
        var tensors = ConventionFixtures.triples(try ConventionFixtures.weights(ConventionFixtures.file("canonical.safetensors").path))
        tensors.append(("mystery.weight", [1 << 20], [Float](repeating: 0.5, count: 1 << 20)))
        try ConventionFixtures.writeSafetensors(tensors, to: path("source.safetensors"))
        let sourceSize = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path("source.safetensors"))[.size] as? Int)
        for output in ["out.safetensors", "out.pth", "out.pkl"] {
            var dropping = request(path("source.safetensors"), path(output))
            dropping.drop = try NamePatternList(["mystery.*"])
            XCTAssertTrue(try Converter.convert(dropping, catalog: try ConventionFixtures.catalog).streamed, output)
            var status = stat()
            XCTAssertEqual(stat(path(output), &status), 0)
            let size = Int(status.st_size), allocated = Int(status.st_blocks) * 512
            XCTAssertLessThan(size + (1 << 20), sourceSize, output)
            // File systems allocate whole blocks (4 KiB on ext4); a kept reservation would hold
            // the source's size.
            XCTAssertLessThanOrEqual(allocated, size + (64 << 10), output)
        }
    }
}
