import Foundation
import WeightPortTestSupport
import XCTest

/// `weightport verify` and `export` end to end on the PyTorch-recorded model fixtures.
final class VerifyCommandTests: XCTestCase {
    static let variants = ["r18_classifier", "r50_fpn_torchvision", "r50_fpn_retinanet_caffe_affine", "x50_gn_fpn_p6p7_p5",
                           "r50_c4", "resnet50d_timm", "r50_dilated_detectron2", "r50_fpn_p2only"]

    func arguments(_ variant: String, weights: String? = nil) -> [String] {
        let dir = "models/\(variant)/"
        return ["verify", weights ?? Fixtures.path(dir + "weights.safetensors"), "--arch", Fixtures.path(dir + "arch.json"),
                "--input", Fixtures.path(dir + "input.safetensors"), "--expect", Fixtures.path(dir + "features.safetensors")]
    }

    func json(_ result: CLIRunner.Result) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
    }

    func testEveryModelFixturePassesWithTheDocumentedKeys() throws {
        for variant in Self.variants {
            let result = try CLIRunner.run(arguments(variant) + ["--json"])
            XCTAssertEqual(result.status, 0, "\(variant): \(result.stdout) \(result.stderr)")
            let object = try json(result)
            XCTAssertEqual(object["passed"] as? Bool, true, variant)
            XCTAssertNotNil(object["architecture"] as? [String: Any], variant)
            XCTAssertEqual(object["convention"] as? String, "canonical", variant)
            let timings = try XCTUnwrap(object["timings"] as? [String: Double], variant)
            XCTAssertNotNil(timings["load"]); XCTAssertNotNil(timings["forward"])
            let layers = try XCTUnwrap(object["layers"] as? [[String: Any]], variant)
            XCTAssertFalse(layers.isEmpty, variant)
            for layer in layers {
                for key in ["name", "shape", "max_abs_error", "max_rel_error", "cosine", "passed"] {
                    XCTAssertNotNil(layer[key], "\(variant) layer lacks \(key)")
                }
                // The default tolerance: 1e-4 of each feature's largest magnitude (Parity.swift).
                XCTAssertLessThanOrEqual((layer["max_rel_error"] as? Double) ?? 1, 1e-4, "\(variant) \(layer["name"] ?? "")")
            }
        }
    }

    func testWrongStridePlacementFailsAtRes3WithDiagnosis() throws {
        let result = try CLIRunner.run(arguments("r50_fpn_torchvision") + ["--stride-in-1x1", "true"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("first divergence: res3"), result.stdout)
        XCTAssertTrue(result.stdout.contains("stride placement"), result.stdout)
    }

    func testAnExpectedArrayTheNetworkCannotProduceIsAnError() throws {
        let result = try CLIRunner.run(["verify", Fixtures.path("models/r18_classifier/weights.safetensors"),
                                        "--arch", Fixtures.path("models/r18_classifier/arch.json"),
                                        "--input", Fixtures.path("models/r18_classifier/input.safetensors"),
                                        "--expect", Fixtures.path("models/r50_fpn_torchvision/features.safetensors")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("does not produce") || result.stderr.contains("FAIL") || result.stdout.contains("FAIL"),
                      result.stdout + result.stderr)
    }

    func testExportedBundleVerifiesAndStoresParity() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wp-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("model.h5").path
        let variant = "r50_fpn_retinanet_caffe_affine"
        let base = "models/\(variant)/"
        let export = try CLIRunner.run(["export", Fixtures.path(base + "weights.safetensors"), "-o", bundle,
                                        "--arch", Fixtures.path(base + "arch.json"),
                                        "--verify-input", Fixtures.path(base + "input.safetensors"),
                                        "--verify-expect", Fixtures.path(base + "features.safetensors"), "--compress"])
        XCTAssertEqual(export.status, 0, export.stdout + export.stderr)
        // The bundle alone (no --arch) carries architecture and semantics for verification.
        let verify = try CLIRunner.run(["verify", bundle, "--input", Fixtures.path(base + "input.safetensors"),
                                        "--expect", Fixtures.path(base + "features.safetensors"), "--json"])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let inspect = try CLIRunner.run(["inspect", bundle, "--json"])
        let metadata = try XCTUnwrap((try json(inspect))["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["source_convention"] as? String, "canonical")
        XCTAssertEqual(metadata["source_sha256"] as? String, try sha256sum(Fixtures.path(base + "weights.safetensors")))
        // Disk space reserved ahead of the datasets (1 MiB and more here) is given back.
        var info = stat()
        XCTAssertEqual(stat(bundle, &info), 0)
        XCTAssertLessThanOrEqual(Int(info.st_blocks) * 512, Int(info.st_size) + 65536, "reserved blocks kept")
        XCTAssertNotNil(metadata["parity@result"], "the stored verification")
        XCTAssertNotNil(metadata["weights/stem/conv1/weight@source_name"])
        // Refuses to overwrite without --force.
        let again = try CLIRunner.run(["export", Fixtures.path(base + "weights.safetensors"), "-o", bundle,
                                       "--arch", Fixtures.path(base + "arch.json")])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }
}

/// The system's `sha256sum`, an implementation independent of the exporter's.
private func sha256sum(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return String(output.prefix(64))
}
