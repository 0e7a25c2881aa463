import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// Every fixture that converts, converted to each output format twice — streamed (every source,
/// `streamingMinimum: 0`) and the ordinary way — must hold the same tensors: the same names,
/// shapes, dtypes and bytes. Streaming changes only the order the bytes lie in. The fixtures span
/// every reader (Detectron and detectron2 pickles, torch zip and legacy files, safetensors,
/// caffemodels, HDF5 bundles) and the conversions each convention's own table leads to.
final class StreamedFixturesTests: XCTestCase {
    func testStreamedAndOrdinaryOutputsHoldTheSameTensors() throws {
        let catalog = try ConventionFixtures.catalog
        let dir = try ConventionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sources = try weightFiles(under: Fixtures.path(""))
        var compared = 0, streamed = 0
        for (index, source) in sources.enumerated() {
            for format in ["safetensors", "pth", "pkl"] {
                let ordinary = dir.appendingPathComponent("\(index)-ordinary.\(format)").path
                var request = Converter.Request(source: source, destination: ordinary)
                request.streamingMinimum = .max
                // Sources that do not convert as they are (partial checkpoints, hostile files)
                // are not this test's business.
                guard (try? Converter.convert(request, catalog: catalog)) != nil else { continue }
                let streamedPath = dir.appendingPathComponent("\(index)-streamed.\(format)").path
                request.destination = streamedPath
                request.streamingMinimum = 0
                let outcome = try Converter.convert(request, catalog: catalog)
                if outcome.streamed { streamed += 1 }
                try assertSameTensors(streamedPath, ordinary, label: "\(source) → .\(format)")
                compared += 1
            }
        }
        // Guards against a test that compares nothing: on 2026-11-30, 132 conversions of 44
        // fixtures compared, 105 of them streamed (the others gave up, as designed, and wrote
        // the ordinary way).
        XCTAssertGreaterThan(compared, 100)
        XCTAssertGreaterThan(streamed, compared / 2, "\(streamed) of \(compared) streamed")
    }

    private func assertSameTensors(_ a: String, _ b: String, label: String) throws {
        let left = try WeightFileLoader.load(path: a).tensors
        let right = try WeightFileLoader.load(path: b).tensors
        XCTAssertEqual(Set(left.names), Set(right.names), label)
        for (name, tensor) in right {
            guard let other = left[name] else { continue }
            XCTAssertEqual(other.shape, tensor.shape, "\(label): \(name)")
            XCTAssertEqual(other.dtype, tensor.dtype, "\(label): \(name)")
            XCTAssertTrue(other.contiguousBytes().bytes.elementsEqual(tensor.contiguousBytes().bytes), "\(label): \(name)")
        }
    }

    private func weightFiles(under root: String) throws -> [String] {
        let extensions: Set<String> = ["pkl", "pth", "pt", "safetensors", "caffemodel", "h5"]
        let enumerator = FileManager.default.enumerator(atPath: root)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            guard !relative.hasPrefix("bad"), extensions.contains((relative as NSString).pathExtension) else { continue }
            found.append(root + "/" + relative)
        }
        return found.sorted()
    }
}
