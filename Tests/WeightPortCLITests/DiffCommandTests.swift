import Foundation
import WeightPortTestSupport
import XCTest

/// `weightport diff` end to end: exit status (0 same, 1 different, 2 unreadable), the JSON keys
/// the README documents, and the values on pairs of fixtures/conventions (one model written
/// natively in every convention by fixtures/gen_conventions.py).
final class DiffCommandTests: XCTestCase {
    func conventions(_ file: String) -> String { Fixtures.path("conventions/\(file)") }

    func diff(_ a: String, _ b: String, _ extra: [String] = []) throws -> (CLIRunner.Result, [String: Any]) {
        let result = try CLIRunner.run(["diff", a, b, "--json"] + extra)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                   result.stdout + result.stderr)
        return (result, object)
    }

    func tensors(_ object: [String: Any]) throws -> [String: [String: Any]] {
        let list = try XCTUnwrap(object["tensors"] as? [[String: Any]])
        return Dictionary(list.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    }

    func largest(_ key: String, _ object: [String: Any]) throws -> Double {
        try tensors(object).values.map { ($0[key] as? Double) ?? .infinity }.max() ?? 0
    }

    func testTheSameFileIsTheSameModelWithTheDocumentedKeys() throws {
        let (result, object) = try diff(conventions("torchvision.pth"), conventions("torchvision.pth"))
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        for key in ["same", "tolerance", "a", "b", "only_in_a", "only_in_b", "shape_mismatches", "differing", "tensors", "warnings"] {
            XCTAssertNotNil(object[key], "no \(key)")
        }
        XCTAssertEqual(object["same"] as? Bool, true)
        XCTAssertEqual(object["tolerance"] as? Double, 1e-5)
        XCTAssertEqual((object["a"] as? [String: Any])?["convention"] as? String, "torchvision")
        let all = try tensors(object)
        // 56 exact tensors + 53 norms × 2 (effective scale and shift) … every one bit-identical.
        XCTAssertGreaterThan(all.count, 100)
        XCTAssertEqual(try largest("max_abs", object), 0)
        for key in ["name", "shape", "max_abs", "max_rel", "compared", "within_tolerance", "transform", "sources_a", "sources_b"] {
            XCTAssertNotNil(all.values.first?[key], "tensor entry lacks \(key)")
        }
    }

    func testTheSameModelInTwoFormatsIsIdentical() throws {
        let dir = try ConventionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("torchvision.safetensors").path
        let convert = try CLIRunner.run(["convert", conventions("torchvision.pth"), "-o", copy])
        XCTAssertEqual(convert.status, 0, convert.stdout + convert.stderr)
        let (result, object) = try diff(conventions("torchvision.pth"), copy)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(try largest("max_abs", object), 0)
        XCTAssertEqual(object["only_in_a"] as? [String], [])
        XCTAssertEqual(object["only_in_b"] as? [String], [])
    }

    /// Detectron.pytorch (.pth, AffineChannel2d) and Detectron (Python 2 pickle, AffineChannel):
    /// different names, order and container, the same values — bit-identical through the hub.
    func testRenamedAndReorderedAcrossFormatsIsIdentical() throws {
        let (result, object) = try diff(conventions("detectron.pytorch.pth"), conventions("detectron.pkl"))
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(try largest("max_abs", object), 0)
        let named = try tensors(object)
        let conv = try XCTUnwrap(named["res3.1.conv2.weight"])
        XCTAssertEqual(conv["sources_a"] as? [String], ["Conv_Body.conv_body.res3.1.conv2.weight"])
        XCTAssertEqual(conv["sources_b"] as? [String], ["res3_1_branch2b_w"])
        // Detectron's optimizer state and unused biases are reported, not compared.
        let b = try XCTUnwrap(object["b"] as? [String: Any])
        XCTAssertEqual((b["not_compared"] as? [String: Int])?.values.reduce(0, +), 102)
    }

    /// torchvision (background first) against detectron2 (background last, no background box
    /// rows or mask channel): the moved row compares equal, the rows detectron2 never had are left out.
    func testMovedBackgroundRowIsExplained() throws {
        let (result, object) = try diff(conventions("torchvision.pth"), conventions("detectron2.pkl"))
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(try largest("max_abs", object), 0)
        let named = try tensors(object)
        let cls = try XCTUnwrap(named["roi_heads.box_predictor.cls_score.weight"])
        XCTAssertTrue((cls["transform"] as? String)?.contains("b: background class moved from the last row to the first") == true, "\(cls)")
        let box = try XCTUnwrap(named["roi_heads.box_predictor.bbox_pred.weight"])
        let shape = try XCTUnwrap(box["shape"] as? [Int])
        XCTAssertEqual(box["compared"] as? Int, (shape[0] - 4) * shape[1])
        XCTAssertTrue((box["transform"] as? String)?.contains("first 4 rows are not compared") == true, "\(box)")
    }

    /// BatchNorm with statistics (torchvision, eps 1e-5) against folded affine channels
    /// (Detectron) and against eps-0 FrozenBatchNorm (maskrcnn-benchmark): equal as functions.
    func testFoldedNormsAndOtherEpsCompareEqual() throws {
        for other in ["detectron.pkl", "maskrcnn-benchmark.pth"] {
            let (result, object) = try diff(conventions("torchvision.pth"), conventions(other))
            XCTAssertEqual(result.status, 0, other + result.stdout + result.stderr)
            XCTAssertEqual(object["same"] as? Bool, true, other)
            let named = try tensors(object)
            let shift = try XCTUnwrap(named["res4.0.conv2.norm.bias"], other)
            XCTAssertTrue((shift["transform"] as? String)?.contains("a: BatchNorm (eps 1e-05) as its effective per-channel shift") == true,
                          "\(other): \(shift)")
            XCTAssertLessThan(try largest("max_rel", object), 1e-6, other)
        }
    }

    /// Caffe's BatchNorm+Scale (statistics × factor 0.999, eps 1e-4, conv1 bias absorbed by the
    /// mean) against torchvision's classifier BatchNorm: the same function.
    func testCaffeBatchNormScaleMatchesTorchvisionBatchNorm() throws {
        let (result, object) = try diff(conventions("caffe.caffemodel"), conventions("torchvision_classifier.pth"))
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(object["only_in_a"] as? [String], [])
        XCTAssertEqual(object["only_in_b"] as? [String], [])
        let stem = try XCTUnwrap(try tensors(object)["stem.conv1.norm.bias"])
        XCTAssertTrue((stem["transform"] as? String)?.contains("stem conv bias folded in") == true, "\(stem)")
        XCTAssertLessThan(try largest("max_rel", object), 1e-6)
    }

    func testAPerturbedTensorDiffersByThePerturbation() throws {
        let dir = try ConventionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var triples = ConventionFixtures.triples(try ConventionFixtures.weights(conventions("canonical.safetensors")))
        let index = try XCTUnwrap(triples.firstIndex { $0.0 == "res3.1.conv2.weight" })
        triples[index].2[7] += 0.25
        let perturbed = dir.appendingPathComponent("perturbed.safetensors").path
        try ConventionFixtures.writeSafetensors(triples, to: perturbed)

        let (result, object) = try diff(conventions("torchvision.pth"), perturbed)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertEqual(object["same"] as? Bool, false)
        XCTAssertEqual(object["differing"] as? [String], ["res3.1.conv2.weight"])
        let entry = try XCTUnwrap(try tensors(object)["res3.1.conv2.weight"])
        XCTAssertEqual(try XCTUnwrap(entry["max_abs"] as? Double), 0.25, accuracy: 1e-7)
        XCTAssertEqual(entry["within_tolerance"] as? Bool, false)
        // The same perturbation after a conversion to Detectron's names, pickle and affine norms.
        let pickle = dir.appendingPathComponent("perturbed.pkl").path
        let convert = try CLIRunner.run(["convert", perturbed, "-o", pickle, "--to", "detectron"])
        XCTAssertEqual(convert.status, 0, convert.stdout + convert.stderr)
        let (converted, viaDetectron) = try diff(conventions("torchvision.pth"), pickle)
        XCTAssertEqual(converted.status, 1, converted.stdout + converted.stderr)
        XCTAssertEqual(viaDetectron["differing"] as? [String], ["res3.1.conv2.weight"])
        let renamed = try XCTUnwrap(try tensors(viaDetectron)["res3.1.conv2.weight"])
        XCTAssertEqual(renamed["sources_b"] as? [String], ["res3_1_branch2b_w"])
        XCTAssertEqual(try XCTUnwrap(renamed["max_abs"] as? Double), 0.25, accuracy: 1e-7)
        // A tolerance above the relative difference accepts it.
        let loose = try diff(conventions("torchvision.pth"), perturbed, ["--tolerance", "100"])
        XCTAssertEqual(loose.0.status, 0)
        // The human form names it in its table and says DIFFERENT.
        let text = try CLIRunner.run(["diff", conventions("torchvision.pth"), perturbed])
        XCTAssertEqual(text.status, 1)
        XCTAssertTrue(text.stdout.contains("res3.1.conv2.weight"), text.stdout)
        XCTAssertTrue(text.stdout.contains("DIFFERENT: 1 tensors beyond 1e-05"), text.stdout)
    }

    func testShapeMismatchAndMissingTensorsDiffer() throws {
        let dir = try ConventionFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var triples = ConventionFixtures.triples(try ConventionFixtures.weights(conventions("canonical.safetensors")))
        // One class more in the box classifier, and no mask predictor bias.
        triples = triples.compactMap { name, shape, values in
            switch name {
            case "roi_heads.box_predictor.cls_score.weight": return (name, [shape[0] + 1, shape[1]], values + [Float](repeating: 0, count: shape[1]))
            case "roi_heads.box_predictor.cls_score.bias": return (name, [shape[0] + 1], values + [0])
            case "roi_heads.mask_head.predictor.bias": return nil
            default: return (name, shape, values)
            }
        }
        let changed = dir.appendingPathComponent("changed.safetensors").path
        try ConventionFixtures.writeSafetensors(triples, to: changed)

        let (result, object) = try diff(conventions("torchvision.pth"), changed)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        let mismatches = try XCTUnwrap(object["shape_mismatches"] as? [[String: Any]])
        XCTAssertEqual(mismatches.map { $0["name"] as? String }, ["roi_heads.box_predictor.cls_score.weight", "roi_heads.box_predictor.cls_score.bias"])
        XCTAssertEqual(mismatches.first?["shape_a"] as? [Int], [3, 8])
        XCTAssertEqual(mismatches.first?["shape_b"] as? [Int], [4, 8])
        XCTAssertEqual(object["only_in_a"] as? [String], ["roi_heads.mask_head.predictor.bias"])
        XCTAssertEqual(object["only_in_b"] as? [String], [])
        XCTAssertEqual(object["differing"] as? [String], [])
    }

    /// Like cmp and diff: 2 when a file cannot be read, with the one-line error on stderr.
    func testAnUnreadableFileExitsTwo() throws {
        let missing = "/nonexistent/model.pth"
        for (a, b, culprit) in [(conventions("torchvision.pth"), missing, missing),
                                (Fixtures.path("bad/caffe_truncated.caffemodel"), conventions("torchvision.pth"),
                                 Fixtures.path("bad/caffe_truncated.caffemodel"))] {
            for json in [false, true] {
                let result = try CLIRunner.run(["diff", a, b] + (json ? ["--json"] : []))
                XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
                XCTAssertEqual(result.stdout, "")
                let lines = result.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, result.stderr)
                XCTAssertTrue(result.stderr.hasPrefix("weightport: \(culprit): "), result.stderr)
            }
        }
    }
}
