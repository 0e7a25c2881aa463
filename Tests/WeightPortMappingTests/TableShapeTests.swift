@testable import WeightPortMapping
import WeightPortVocabulary
import XCTest

/// The YAML shape of a table: what is read, and what is refused with the place it was found.
final class TableShapeTests: XCTestCase {
    private func reason(_ yaml: String) -> String? {
        do {
            _ = try MappingTable(yaml: yaml, file: "t.yaml")
            return nil
        } catch {
            return error.what
        }
    }

    func testFieldsAreRead() throws {
        let table = try MappingTable(yaml: """
        convention: demo
        semantics: {stride_in_1x1: yes, norm_eps: 1e-3, pixel_mean: [102.9, 115.9, 122.7], background_class: first}
        optional_prefixes: module.
        flags: {gn: ["res{s}_{b}_branch2a_gn_s"]}
        rules:
          - {canonical: "res{s}.{b}.conv1.weight", foreign: "layer{s}_{b}_w", where: {s: [2, 5]}, when: gn}
        unused:
          - {pattern: "*_momentum", category: optimizer-state, reason: "SGD state, not weights"}
          - {pattern: "lr", category: bookkeeping, reason: ~}
        """, file: "t.yaml")
        XCTAssertEqual(table.semantics.strideInFirst1x1, true)
        XCTAssertEqual(table.semantics.normEps, 1e-3)
        XCTAssertEqual(table.semantics.pixelMean, [102.9, 115.9, 122.7])
        XCTAssertEqual(table.semantics.backgroundClass, .first)
        XCTAssertEqual(table.optionalPrefixes, ["module."])
        XCTAssertEqual(table.flagPatterns[.gn]?.map(\.description), ["res{s}_{b}_branch2a_gn_s"])
        XCTAssertEqual(table.rules.first?.bounds["s"], 2...5)
        XCTAssertEqual(table.rules.first?.when, [.gn])
        XCTAssertEqual(table.unused.map(\.reason), ["SGD state, not weights", nil])
    }

    /// A flow mapping splits an unquoted reason at its comma into a second key: the kind of
    /// slip that once cut a shipped table's reason short without a word.
    func testUnknownKeysAreRefusedWithTheirPlace() {
        let r = reason("""
        convention: demo
        rules: []
        unused:
          - {pattern: kps_score_w, category: fixed, reason: recomputed, never learned}
        """)
        XCTAssertEqual(r, "invalid mapping table: unused[1] has an unknown key 'never learned' (known: category, pattern, reason)")
        XCTAssertEqual(reason("convention: demo\nrules:\n  - {canonical: a, foreign: b, wher: {s: [1, 2]}}\n")?
            .contains("rules[1] has an unknown key 'wher'"), true)
    }

    /// A `features:` row's transform is the hub → framework layout of that activation; it must be
    /// one the registry knows, and it runs on each RoI's class axis (dim 1), not on dim 0.
    func testFeatureRowsCarryTheirLayoutTransform() throws {
        let yaml = """
        convention: demo
        semantics: {background_class: last}
        features:
          - {canonical: box.cls_score, foreign: scores, transform: background_last}
          - {canonical: box.bbox_pred, foreign: deltas, transform: drop_background_box_rows}
          - {canonical: mask.logits, foreign: masks, transform: drop_background_mask_channel}
          - {canonical: box.features, foreign: feats}
        rules:
          - {canonical: "a.{p:weight|bias}", foreign: "b.{p:weight|bias}", transform: background_last}
        """
        let table = try MappingTable(yaml: yaml, file: "t.yaml")
        XCTAssertEqual(table.featureMatch("scores", context: MappingContext())?.canonical, "box.cls_score")
        XCTAssertEqual(table.featureMatch("scores", context: MappingContext())?.transform, "background_last")
        XCTAssertEqual(table.featureMatch("feats", context: MappingContext())?.transform, "identity")
        XCTAssertEqual(reason(yaml.replacingOccurrences(of: "transform: drop_background_mask_channel", with: "transform: drop_mask"))?
            .contains("unknown transform 'drop_mask'"), true)

        // Two RoIs, background-first scores [bg, a, b]: background moved last within each RoI.
        let scores = try ActivationLayout.toForeign(values: [9, 1, 2, 8, 3, 4], shape: [2, 3, 1, 1], transform: "background_last")
        XCTAssertEqual(scores.values, [1, 2, 9, 3, 4, 8])
        XCTAssertEqual(scores.shape, [2, 3, 1, 1])
        // 8 agnostic rows (4 background zeros first) → detectron2's 4, per RoI.
        let deltas = try ActivationLayout.toForeign(values: [0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8], shape: [2, 8],
                                                    transform: "drop_background_box_rows")
        XCTAssertEqual(deltas.values, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(deltas.shape, [2, 4])
        // Mask logits [1 RoI, 3 channels, 1, 2]: the background channel dropped.
        let masks = try ActivationLayout.toForeign(values: [0, 0, 1, 2, 3, 4], shape: [1, 3, 1, 2],
                                                   transform: "drop_background_mask_channel")
        XCTAssertEqual(masks.values, [1, 2, 3, 4])
        XCTAssertEqual(masks.shape, [1, 2, 1, 2])
        XCTAssertThrowsError(try ActivationLayout.toForeign(values: [1], shape: [1], transform: "background_last"))
    }

    func testWrongTypesAndMissingFieldsNameThePlace() {
        XCTAssertEqual(reason("rules: []\n"), "invalid mapping table: the table needs 'convention'")
        XCTAssertEqual(reason("convention: demo\nrules: {a: b}\n"), "invalid mapping table: the table.rules must be a list")
        XCTAssertEqual(reason("convention: demo\nrules:\n  - {canonical: a}\n"), "invalid mapping table: rules[1] needs 'foreign'")
        XCTAssertEqual(reason("convention: demo\nrules:\n  - {canonical: a, foreign: b, where: {s: [x, 2]}}\n"),
                       "invalid mapping table: rules[1].where.s must be a list of integers")
        XCTAssertEqual(reason("convention: demo\nsemantics: {norm_eps: small}\nrules: []\n"),
                       "invalid mapping table: semantics.norm_eps must be a number")
        XCTAssertEqual(reason("convention: a\nconvention: b\nrules: []\n"),
                       "invalid mapping table: not YAML: repeated key 'convention' in the mapping at line 1")
        XCTAssertEqual(reason("convention: a\nrules: [\n"),
                       "invalid mapping table: not YAML: did not find expected node content at line 3, column 1")
    }
}

/// The index that narrows a name to the patterns whose leading text it begins with.
final class PatternIndexTests: XCTestCase {
    func testCandidatesShareTheNamesLeadingTextInTableOrder() throws {
        let texts = ["res{s}_{b}_branch2a_w", "conv1_w", "res_conv1_bn_s", "{s}_x", "res{s}_{b}_branch1_w"]
        let rules = try texts.enumerated().map { i, text in
            MappingRule(canonical: ["tensor": try NamePattern("c\(i).{s}")], foreign: ["tensor": try NamePattern(text)], index: i + 1)
        }
        let index = PatternIndex(rules: rules) { $0.foreign }
        let found = { (name: String) in index.candidates(Array(name.utf8)).map { index.entries[$0].pattern.description } }
        // `{s}_x` has no leading text, so every name is tried against it.
        XCTAssertEqual(found("res2_0_branch2a_w"), ["res{s}_{b}_branch2a_w", "{s}_x", "res{s}_{b}_branch1_w"])
        XCTAssertEqual(found("res_conv1_bn_s"), ["res{s}_{b}_branch2a_w", "res_conv1_bn_s", "{s}_x", "res{s}_{b}_branch1_w"])
        XCTAssertEqual(found("conv1_w"), ["conv1_w", "{s}_x"])
        XCTAssertEqual(found("fc1000_w"), ["{s}_x"])
    }
}
