import WeightPortBuiltInTables
@testable import WeightPortMapping
import XCTest

/// The facts a conversion reads from the tables' text before they are parsed must be the
/// parsed tables' own: the same container keys in the same order, the same unused patterns.
final class CatalogPreviewTests: XCTestCase {
    func testQuickPreviewOfTheBuiltInTablesMatchesTheParsedTables() throws {
        let quick = try XCTUnwrap(CatalogPreview.quick(MappingCatalog.builtInFiles.map(\.text)))
        let parsed = CatalogPreview(try MappingCatalog.builtIn())
        XCTAssertEqual(quick.containerKeys, parsed.containerKeys)
        XCTAssertEqual(quick.unusedPatterns.map(\.description), parsed.unusedPatterns.map(\.description))
        XCTAssertTrue(quick.unusedPatterns.contains { $0.description == "*_momentum" })
        XCTAssertTrue(quick.containerKeys.contains("state_dict") && quick.containerKeys.contains("model"))
    }

    func testTheSharedParsingOffersThePreviewFirst() throws {
        let shared = MappingCatalog.builtInInBackground()
        let preview = try XCTUnwrap(shared.preview())
        XCTAssertEqual(preview.containerKeys, try shared.catalog().containerKeys)
    }

    /// A caller that waits without helping gets the same tables, in the same order, once the
    /// helper alone has parsed them; so does the one that helps, and an invalid table's error.
    func testWaitingWithoutHelpingGetsTheSameCatalog() throws {
        let waiting = try MappingCatalog.builtInInBackground().catalog(helping: false)
        let helping = try MappingCatalog.builtInInBackground().catalog()
        XCTAssertEqual(waiting.tables.map(\.convention), helping.tables.map(\.convention))
        XCTAssertEqual(waiting.tables.map(\.rules.count), helping.tables.map(\.rules.count))
        XCTAssertEqual(waiting.tables.count, MappingCatalog.builtInFiles.count)
        let broken = SharedTableParsing([("convention: x\nrules: [", "broken.yaml"), ("convention: y\nrules: []\n", "fine.yaml")])
        XCTAssertThrowsError(try broken.catalog(helping: false)) { error in
            XCTAssertTrue("\(error)".contains("broken.yaml"), "\(error)")
        }
    }

    /// Blocks end at the next top-level key; comments, list items and indented lines belong to
    /// the block they sit in. A block that does not read makes no preview (the caller waits).
    func testBlocksAndUnreadableText() {
        let text = "convention: x\nunused:\n# why\n- {pattern: \"a*\", category: c}\n- {pattern: b, category: c}\nrules: []\n"
        XCTAssertEqual(CatalogPreview.topLevelBlocks(text, keys: ["unused"])["unused"],
                       "unused:\n# why\n- {pattern: \"a*\", category: c}\n- {pattern: b, category: c}")
        XCTAssertEqual(CatalogPreview.quick([text])?.unusedPatterns.map(\.description), ["a*", "b"])
        XCTAssertNil(CatalogPreview.quick(["unused:\n  - {pattern: [unclosed\n"]))
    }

    /// `isUnused` says what the patterns say, one by one: names of optimizer state and
    /// bookkeeping are unused, weights are not.
    func testIsUnusedAgreesWithEachPattern() throws {
        let preview = try XCTUnwrap(CatalogPreview.quick(MappingCatalog.builtInFiles.map(\.text)))
        let context = MappingContext()
        let names = ["res2_0_branch2a_w_momentum", "__preserve__/res2_0_branch2a_w", "conv1_b", "res3_1_branch2b_b",
                     "res2_0_branch2a_w", "conv1_w", "fc1000_b", "backbone.body.layer1.0.conv1.weight", "kps_score_w"]
        for name in names {
            let expected = preview.unusedPatterns.contains { $0.match(name, context: context) != nil }
            XCTAssertEqual(preview.isUnused(name, context: context), expected, name)
        }
        XCTAssertTrue(preview.isUnused("res2_0_branch2a_w_momentum", context: context))
        XCTAssertFalse(preview.isUnused("res2_0_branch2a_w", context: context))
    }
}
