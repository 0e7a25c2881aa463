import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// Deformable-conv ResNets (fixtures/dcnghost/dcn_resnet, recorded with torchvision's
/// deform_conv2d) through the CLI: verify, convert to other conventions and verify again.
final class DeformableVerifyTests: XCTestCase {
    static let cases = ["r50_dcnv2_g4_c3c5", "r50_dcnv1_c3c5_stride1x1"]

    func verify(_ weights: String, _ dir: String, _ extra: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(["verify", weights, "--input", Fixtures.path(dir + "input.safetensors"),
                           "--expect", Fixtures.path(dir + "features.safetensors"), "--json"] + extra)
    }

    func testVerifiesWithTheInferredDeformableSpec() throws {
        for name in Self.cases {
            let dir = "dcnghost/dcn_resnet/\(name)/"
            let result = try verify(Fixtures.path(dir + "weights.safetensors"), dir, ["--arch", Fixtures.path(dir + "arch.json")])
            XCTAssertEqual(result.status, 0, "\(name): \(result.stdout.prefix(500)) \(result.stderr)")
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let arch = try XCTUnwrap(object["architecture"] as? [String: Any])
            let deformable = try XCTUnwrap(arch["deformable"] as? [String: Any], name)
            XCTAssertEqual(deformable["stages"] as? [Bool], [false, true, true, true], name)
            XCTAssertEqual(deformable["modulated"] as? Bool, name.contains("v2"), name)
            XCTAssertEqual(deformable["groups"] as? Int, name.contains("g4") ? 4 : 1, name)
            XCTAssertEqual(arch["name"] as? String, name.contains("v2") ? "R-17-C5-DCNv2-c3c5-g4" : "R-17-C5-DCN-c3c5", name)
            for layer in try XCTUnwrap(object["layers"] as? [[String: Any]]) {
                // Deformable sampling agrees with torchvision to ~1e-6 of each feature's range.
                XCTAssertLessThanOrEqual(layer["max_rel_error"] as? Double ?? 1, 1e-5, "\(name) \(layer["name"] ?? "")")
            }
        }
    }

    /// canonical → detectron2 (`.pkl`), → mmdet and → maskrcnn-benchmark (`.pth`; its DCN stages name
    /// conv2 `conv2.conv` beside `conv2.offset`, plain stages `conv2`): the offset convs carried under each
    /// framework's names, and the converted files verify; torchvision has no deformable conv.
    func testConversionsKeepTheOffsetsAndStillVerify() throws {
        let dir = "dcnghost/dcn_resnet/r50_dcnv2_g4_c3c5/"
        let source = Fixtures.path(dir + "weights.safetensors")
        let arch = Fixtures.path(dir + "arch.json")
        let out = NSTemporaryDirectory() + "dcn-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: out) }
        for (convention, file) in [("detectron2", "d2.pkl"), ("mmdet", "mm.pth"), ("maskrcnn-benchmark", "mb.pth")] {
            let converted = out + "/" + file
            let result = try CLIRunner.run(["convert", source, "--arch", arch, "--from", "canonical", "--to", convention, "-o", converted])
            XCTAssertEqual(result.status, 0, "\(convention): \(result.stdout) \(result.stderr)")
            let verified = try verify(converted, dir, ["--stride-in-1x1", "false"])
            XCTAssertEqual(verified.status, 0, "\(convention): \(verified.stdout.prefix(600)) \(verified.stderr)")
        }
        let refused = try CLIRunner.run(["convert", source, "--arch", arch, "--from", "canonical", "--to", "torchvision",
                                         "-o", out + "/tv.pth"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("torchvision has no deformable convolution: 8 tensors have no name in the target (e.g. res3.0.conv2_offset."), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/tv.pth"))
    }

    /// A malformed DCN spelling in --arch is one line naming what is wrong.
    func testMalformedDeformableNameIsAnError() throws {
        let dir = "dcnghost/dcn_resnet/r50_dcnv2_g4_c3c5/"
        let bad = try verify(Fixtures.path(dir + "weights.safetensors"), dir, ["--arch", "R-50-FPN-DCN"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("cannot parse architecture 'R-50-FPN-DCN': DCN needs its stages, e.g. DCN-c3c5"), bad.stderr)
    }

    /// mmdetection 1.x saved the offset conv as `conv2_offset` (mmcv renames it on load): read as such.
    func testMmdet1OffsetNamesAreRead() throws {
        let dir = "dcnghost/dcn_resnet/r50_dcnv2_g4_c3c5/"
        let out = NSTemporaryDirectory() + "dcn1-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: out) }
        let current = out + "/mm.safetensors"
        XCTAssertEqual(try CLIRunner.run(["convert", Fixtures.path(dir + "weights.safetensors"), "--arch", Fixtures.path(dir + "arch.json"),
                                          "--from", "canonical", "--to", "mmdet", "-o", current]).status, 0)
        let file = try SafetensorsReader.read(try MappedFile.map(path: current))
        let renamed = StateDict(file.tensors.map { ($0.name.replacingOccurrences(of: ".conv2.conv_offset.", with: ".conv2_offset."), $0.tensor) })
        XCTAssertTrue(renamed.names.contains("backbone.layer2.0.conv2_offset.weight"), "\(renamed.names.prefix(40))")
        let old = out + "/mm1.safetensors"
        try SafetensorsWriter.write(renamed, to: old)
        let result = try verify(old, dir, ["--stride-in-1x1", "false"])
        XCTAssertEqual(result.status, 0, result.stdout.prefix(600) + result.stderr)
    }
}
