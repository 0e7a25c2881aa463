import Foundation
import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// Replays the committed fuzz corpus of the `mapping` target (`fuzz/corpus/mapping/`, inputs
/// libFuzzer found while fuzzing the table loader) in the ordinary build: every input must load
/// or be refused with a `MappingError`, never trap.
final class MappingFuzzCorpusTests: XCTestCase {
    func testMappingCorpus() throws {
        let folder = Fixtures.root.deletingLastPathComponent().appendingPathComponent("fuzz/corpus/mapping")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(names.isEmpty, "no corpus in \(folder.path)")
        for name in names {
            // As the fuzz target reads them: bytes as UTF-8, invalid sequences replaced.
            let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
            do {
                let table = try MappingTable(yaml: text, file: name)
                _ = table.flags(revealedBy: ["conv1.weight", "res2_0_branch2a_w", "layer1.0.conv1.weight"])
            } catch {
                XCTAssertFalse(error.what.isEmpty, "mapping/\(name): empty error text")
            }
        }
    }
}
