import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// `verify` is as strict as `convert`: a tensor that no part of the model consumes stops it with
/// the tensor's name, before any forward pass could blame a wrong cause.
final class StrictVerifyTests: XCTestCase {
    let variant = "models/r50_dilated_detectron2/"

    /// The fixture's weights plus `extra`, written to a temporary safetensors file.
    func weights(adding extra: [(String, Tensor)], removing: [String] = []) throws -> String {
        let file = try SafetensorsReader.read(try Fixtures.bytes(variant + "weights.safetensors"))
        var tensors = file.tensors
        for name in removing { tensors[name] = nil }
        for (name, tensor) in extra { tensors[name] = tensor }
        let path = NSTemporaryDirectory() + "strict-verify-\(UUID().uuidString).safetensors"
        try SafetensorsWriter.write(tensors, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func verify(_ weights: String, _ extra: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(["verify", weights, "--arch", Fixtures.path(variant + "arch.json"),
                           "--input", Fixtures.path(variant + "input.safetensors"),
                           "--expect", Fixtures.path(variant + "features.safetensors")] + extra)
    }

    /// A tensor a rule names but no node of this model consumes (a second stem conv on a 7×7
    /// stem) is named, not verified as if absent.
    func testUnconsumedTensorIsNamedNotIgnored() throws {
        let extra = Tensor(float32: [Float](repeating: 0.5, count: 8 * 8 * 9), shape: [8, 8, 3, 3])
        let path = try weights(adding: [("stem.conv2.weight", extra)])
        let result = try verify(path)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("weightport: \(path): "), result.stderr)
        XCTAssertTrue(result.stderr.contains("used by no part of the model (e.g. stem.conv2.weight)"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)

        let dropped = try verify(path, ["--drop", "stem.conv2.*"])
        XCTAssertEqual(dropped.status, 0, dropped.stderr + dropped.stdout)
        XCTAssertTrue(dropped.stdout.contains("PASSED"), dropped.stdout)
    }

    /// Offsets without their bias are a deformable conv missing a tensor, named as such.
    func testLoneOffsetIsAnIncompleteDeformableConv() throws {
        let offset = Tensor(float32: [Float](repeating: 0.5, count: 18 * 8 * 9), shape: [18, 8, 3, 3])
        let path = try weights(adding: [("res3.0.conv2_offset.weight", offset)])
        let result = try verify(path)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("missing (e.g. res3.0.conv2_offset.bias)"), result.stderr)
        XCTAssertFalse(result.stdout.contains("stride"), result.stdout)
    }

    /// A head tensor with the wrong shape is caught like a backbone one (heads are tree nodes).
    func testMisShapedAndMissingHeadTensors() throws {
        let convention = "conventions/canonical.safetensors"
        let arch = Fixtures.path("conventions/arch.json")
        let file = try SafetensorsReader.read(try Fixtures.bytes(convention))
        var tensors = file.tensors
        let fc2 = try XCTUnwrap(tensors["roi_heads.box_head.fc2.weight"])
        tensors["roi_heads.box_head.fc2.weight"] = Tensor(float32: [Float](repeating: 0, count: 6), shape: [2, 3])
        tensors["roi_heads.mask_head.mask_fcn2.weight"] = nil
        let path = NSTemporaryDirectory() + "strict-heads-\(UUID().uuidString).safetensors"
        try SafetensorsWriter.write(tensors, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        let out = NSTemporaryDirectory() + "strict-heads-\(UUID().uuidString).pth"
        let result = try CLIRunner.run(["convert", path, "-o", out, "--to", "torchvision", "--arch", arch, "--json"])
        XCTAssertEqual(result.status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let missing = try XCTUnwrap(report["missing"] as? [String])
        XCTAssertTrue(missing.contains { $0.contains("mask_head.mask_fcn2") || $0.contains("mask_head.1.") }, "\(missing)")
        let mismatches = try XCTUnwrap(report["shape_mismatches"] as? [[String: Any]])
        let names = mismatches.compactMap { $0["name"] as? String }
        XCTAssertTrue(names.contains("roi_heads.box_head.fc2.weight"), "\(mismatches)")
        XCTAssertTrue(mismatches.contains { ($0["target"] as? [Int]) == fc2.shape }, "\(mismatches)")
    }
}
