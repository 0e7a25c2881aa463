import WeightPortVocabulary
import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// The Detectron table against the blob names CONVENTIONS.md §2 documents for R-50-FPN Mask R-CNN.
final class DetectronTableTests: XCTestCase {
    static let table = Result { try MappingTable.load(path: Fixtures.root.deletingLastPathComponent().appendingPathComponent("mappings/detectron.yaml").path) }
    let r50: [Int: Int] = [2: 3, 3: 4, 4: 6, 5: 3]

    /// Detectron blob names of a ResNet-FPN Mask R-CNN, built from the documented patterns.
    func detectronNames(blocks: [Int: Int]) -> [String] {
        var names = ["conv1_w", "res_conv1_bn_s", "res_conv1_bn_b", "conv1_w_momentum"]
        for s in 2...5 {
            for b in 0..<blocks[s]! {
                for k in ["a", "b", "c"] {
                    names += ["res\(s)_\(b)_branch2\(k)_w", "res\(s)_\(b)_branch2\(k)_bn_s", "res\(s)_\(b)_branch2\(k)_bn_b"]
                }
                if b == 0 { names += ["res\(s)_0_branch1_w", "res\(s)_0_branch1_bn_s", "res\(s)_0_branch1_bn_b"] }
            }
            let last = "res\(s)_\(blocks[s]! - 1)_sum"
            let lateral = s == 5 ? "fpn_inner_\(last)" : "fpn_inner_\(last)_lateral"
            names += ["\(lateral)_w", "\(lateral)_b", "fpn_\(last)_w", "fpn_\(last)_b"]
        }
        names += ["conv_rpn_fpn2_w", "conv_rpn_fpn2_b", "rpn_cls_logits_fpn2_w", "rpn_cls_logits_fpn2_b",
                  "rpn_bbox_pred_fpn2_w", "rpn_bbox_pred_fpn2_b", "fc6_w", "fc6_b", "fc7_w", "fc7_b",
                  "cls_score_w", "cls_score_b", "bbox_pred_w", "bbox_pred_b", "conv5_mask_w", "conv5_mask_b",
                  "mask_fcn_logits_w", "mask_fcn_logits_b", "__preserve__/foo"]
        for i in 1...4 { names += ["_[mask]_fcn\(i)_w", "_[mask]_fcn\(i)_b"] }
        return names
    }

    func testR50FPNMapsEveryBlobExactlyOnce() throws {
        let table = try Self.table.get()
        let names = detectronNames(blocks: r50)
        let mapping = try NameMapper.map(names, table: table, context: .stages(r50), direction: .foreignToCanonical)
        XCTAssertEqual(mapping.unknown, [])
        XCTAssertEqual(mapping.unused.map(\.category).sorted(), ["bookkeeping", "optimizer-state"])
        XCTAssertEqual(mapping.groups.count, names.count - 2)
        let canonical = Dictionary(uniqueKeysWithValues: mapping.groups.map { ($0.foreign["tensor"]!, $0.canonical["tensor"]!) })
        XCTAssertEqual(canonical["res4_5_branch2c_bn_s"], "res4.5.conv3.norm.weight")
        XCTAssertEqual(canonical["res2_0_branch1_w"], "res2.0.shortcut.weight")
        XCTAssertEqual(canonical["fpn_inner_res5_2_sum_w"], "fpn_lateral5.weight")
        XCTAssertEqual(canonical["fpn_inner_res4_5_sum_lateral_b"], "fpn_lateral4.bias")
        XCTAssertEqual(canonical["fpn_res2_2_sum_w"], "fpn_output2.weight")
        XCTAssertEqual(canonical["_[mask]_fcn3_w"], "roi_heads.mask_head.mask_fcn3.weight")
        XCTAssertEqual(Set(canonical.values).count, canonical.count, "two blobs mapped to one canonical name")
    }

    func testCanonicalNamesMapBackToTheSameBlobs() throws {
        let table = try Self.table.get()
        let r101: [Int: Int] = [2: 3, 3: 4, 4: 23, 5: 3]
        let names = detectronNames(blocks: r101).filter { !$0.hasSuffix("_momentum") && !$0.hasPrefix("__") }
        let forward = try NameMapper.map(names, table: table, context: .stages(r101), direction: .foreignToCanonical)
        let back = try NameMapper.map(forward.groups.map { $0.canonical["tensor"]! }, table: table,
                                      context: .stages(r101), direction: .canonicalToForeign)
        XCTAssertEqual(back.unknown, [])
        XCTAssertEqual(back.groups.map { $0.foreign["tensor"]! }.sorted(), names.sorted())
    }

    func testFPNNameWithWrongBlockCountIsNotMapped() throws {
        // res4_5_sum is R-50's; under R-101's depths (23 blocks) it must not pass as fpn_lateral4.
        let table = try Self.table.get()
        let mapping = try NameMapper.map(["fpn_inner_res4_5_sum_lateral_w"], table: table,
                                         context: .stages([2: 3, 3: 4, 4: 23, 5: 3]), direction: .foreignToCanonical)
        XCTAssertEqual(mapping.unknown, ["fpn_inner_res4_5_sum_lateral_w"])
    }

    func testC4FlagMovesRes5IntoTheRoIHead() throws {
        let table = try Self.table.get()
        let names = ["conv_rpn_w", "res5_0_branch2a_w", "res4_0_branch2a_w"]
        var context = MappingContext.stages(r50)
        context.flags = table.flags(revealedBy: names)
        XCTAssertEqual(context.flags, [.c4])
        let mapping = try NameMapper.map(names, table: table, context: context, direction: .foreignToCanonical)
        XCTAssertEqual(mapping.groups.map { $0.canonical["tensor"]! },
                       ["proposal_generator.rpn_head.conv.weight", "roi_heads.res5.0.conv1.weight", "res4.0.conv1.weight"])
    }
}
