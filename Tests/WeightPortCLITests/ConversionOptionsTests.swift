import Foundation
import WeightPort
import WeightPortCore
import WeightPortTestSupport
import XCTest

/// `weightport convert` as a user runs it: strictness and the options that loosen it, output
/// protection, --swap-input-channels, and a file of no known convention. Inputs are the native
/// canonical fixture, or it with one tensor added or removed.
final class ConversionOptionsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try ConventionFixtures.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The canonical fixture's tensors, edited by `edit`, written as a safetensors file.
    func canonicalVariant(_ name: String, _ edit: (inout [(String, [Int], [Float])]) -> Void) throws -> String {
        var tensors = ConventionFixtures.triples(try ConventionFixtures.weights(ConventionFixtures.file("canonical.safetensors").path))
        edit(&tensors)
        try ConventionFixtures.writeSafetensors(tensors, to: path(name))
        return path(name)
    }

    /// The `weightport` provenance object a safetensors output carries in its metadata.
    func provenance(_ output: String) throws -> [String: Any] {
        let file = try WeightFileLoader.load(path: output)
        let text = try XCTUnwrap(file.metadata.compactMap { key, value -> String? in
            guard key == "weightport" || key == "__metadata__" else { return nil }
            if case .string(let s) = value { return s }
            if case .string(let s)? = value["weightport"] { return s }
            return nil
        }.first, "no weightport metadata in \(file.metadata.map(\.0))")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testUnknownTensorFailsAndWritesNothingUntilDropped() throws {
        let source = try canonicalVariant("unknown.safetensors") { $0.append(("mystery.weight", [3], [1, 2, 3])) }
        let out = path("out.safetensors")
        let refused = try CLIRunner.run(["convert", source, "-o", out, "--to", "torchvision"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue((refused.stdout + refused.stderr).contains("mystery.weight"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let dropped = try CLIRunner.run(["convert", source, "-o", out, "--to", "torchvision", "--drop", "mystery.*"])
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        let options = try XCTUnwrap(try provenance(out)["options"] as? [String: Any])
        XCTAssertEqual(options["drop"] as? [String], ["mystery.*"])
        XCTAssertFalse(try ConventionFixtures.weights(out).names.contains { $0.contains("mystery") })
    }

    func testMissingBackboneTensorFailsUntilAllowed() throws {
        let source = try canonicalVariant("missing.safetensors") { $0.removeAll { $0.0 == "fpn_output3.bias" } }
        let out = path("out.safetensors")
        let refused = try CLIRunner.run(["convert", source, "-o", out, "--to", "torchvision", "--json"])
        XCTAssertEqual(refused.status, 1)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(refused.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["missing"] as? [String], ["fpn_output3.bias"])
        XCTAssertEqual(report["written"] as? Bool, false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let allowed = try CLIRunner.run(["convert", source, "-o", out, "--to", "torchvision", "--allow-missing", "fpn_output3.*"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        let options = try XCTUnwrap(try provenance(out)["options"] as? [String: Any])
        XCTAssertEqual(options["allow_missing"] as? [String], ["fpn_output3.*"])
        let written = try ConventionFixtures.weights(out)
        XCTAssertNil(written["backbone.fpn.layer_blocks.1.0.bias"])
        XCTAssertNotNil(written["backbone.fpn.layer_blocks.1.0.weight"])
    }

    func testExistingOutputIsKeptUnlessForced() throws {
        let source = ConventionFixtures.file("canonical.safetensors").path
        let out = path("out.pth")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: out))
        let refused = try CLIRunner.run(["convert", source, "-o", out, "--to", "torchvision"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("already exists"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), Data("precious".utf8))

        let forced = try CLIRunner.run(["convert", source, "-o", out, "--to", "torchvision", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        let native = try ConventionFixtures.weights(ConventionFixtures.file("torchvision.pth").path)
        let written = try ConventionFixtures.weights(out)
        XCTAssertEqual(written["backbone.body.conv1.weight"]?.floats(), native["backbone.body.conv1.weight"]?.floats())
    }

    func testSwapInputChannelsReversesTheStemConvInputs() throws {
        let source = ConventionFixtures.file("torchvision.pth").path
        let out = path("bgr.safetensors")
        let run = try CLIRunner.run(["convert", source, "-o", out, "--to", "canonical", "--swap-input-channels"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let native = try XCTUnwrap(try ConventionFixtures.weights(source)["backbone.body.conv1.weight"])
        let swapped = try XCTUnwrap(try ConventionFixtures.weights(out)["stem.conv1.weight"])
        XCTAssertEqual(swapped.shape, native.shape)
        let (o, c, k) = (native.shape[0], native.shape[1], native.shape[2] * native.shape[3])
        let a = native.floats(), b = swapped.floats()
        for oc in 0..<o {
            for ic in 0..<c {
                for i in 0..<k {
                    XCTAssertEqual(b[(oc * c + ic) * k + i], a[(oc * c + (c - 1 - ic)) * k + i])
                }
            }
        }
        XCTAssertEqual(try provenance(out)["options"] as? [String: Bool], ["swap_input_channels": true])
        // Everything else is untouched.
        let rest = try ConventionFixtures.weights(ConventionFixtures.file("canonical.safetensors").path)
        XCTAssertEqual(try ConventionFixtures.weights(out)["res5.0.conv2.weight"]?.floats(), rest["res5.0.conv2.weight"]?.floats())
    }

    func testFileOfNoKnownConventionIsOneLineError() throws {
        let source = path("none.safetensors")
        try ConventionFixtures.writeSafetensors([("a.b", [2], [1, 2]), ("c.d", [2], [3, 4])], to: source)
        let out = path("out.pth")
        let run = try CLIRunner.run(["convert", source, "-o", out])
        XCTAssertNotEqual(run.status, 0)
        let lines = run.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("no known convention"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
