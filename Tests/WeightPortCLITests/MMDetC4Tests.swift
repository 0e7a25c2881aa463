import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport
import XCTest

/// mmdetection's C4 detectors (`_base_/models/mask-rcnn_r50-caffe-c4.py`: res5 as the RoI head's
/// `shared_head`, a ResLayer(stage=3) that names its stage `layer4`) through the CLI, both ways:
/// the Detectron C4 fixture into mmdet and back onto the hub, and mmdet_c4/model.pth, a
/// checkpoint saved from real mmdetection 3.3 modules (fixtures/gen_mmdet_c4.py).
final class MMDetC4Tests: XCTestCase {
    static let detectronC4 = Fixtures.path("heads/detectron_c4/model_final.pkl")
    static let mmdetC4 = Fixtures.path("mmdet_c4/model.pth")

    /// The C4 head's names and shapes in mmdetection (as its modules name them in the fixture:
    /// the Detectron fixture's widths, 4 classes, class-agnostic boxes, class-specific masks).
    static let headShapes: [String: [Int]] = [
        "roi_head.shared_head.layer4.0.conv1.weight": [16, 32, 1, 1],
        "roi_head.shared_head.layer4.0.bn1.weight": [16],
        "roi_head.shared_head.layer4.0.bn1.running_var": [16],
        "roi_head.shared_head.layer4.0.conv2.weight": [16, 16, 3, 3],
        "roi_head.shared_head.layer4.0.bn2.bias": [16],
        "roi_head.shared_head.layer4.0.conv3.weight": [64, 16, 1, 1],
        "roi_head.shared_head.layer4.0.bn3.running_mean": [64],
        "roi_head.shared_head.layer4.0.downsample.0.weight": [64, 32, 1, 1],
        "roi_head.shared_head.layer4.0.downsample.1.weight": [64],
        "roi_head.shared_head.layer4.0.downsample.1.num_batches_tracked": [],
        "rpn_head.rpn_conv.weight": [32, 32, 3, 3],
        "rpn_head.rpn_cls.weight": [15, 32, 1, 1],
        "rpn_head.rpn_reg.weight": [60, 32, 1, 1],
        "roi_head.bbox_head.fc_cls.weight": [5, 64],
        "roi_head.bbox_head.fc_reg.weight": [4, 64],
        "roi_head.mask_head.upsample.weight": [64, 8, 2, 2],
        "roi_head.mask_head.conv_logits.weight": [4, 8, 1, 1],
    ]

    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "mmdet-c4-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The file's tensors; a torch checkpoint's names lose its `state_dict.` entry (mmengine's layout).
    func read(_ path: String) throws -> StateDict {
        let bytes = try MappedFile.map(path: path)
        let tensors = try XCTUnwrap(try MemoryReaders.read(bytes, as: try FormatDetector.detect(bytes)), path).tensors
        return StateDict(tensors.map { (String($0.name.hasPrefix("state_dict.") ? $0.name.dropFirst("state_dict.".count) : Substring($0.name)), $0.tensor) })
    }

    /// `convert SRC -o folder/OUT --to TARGET --json`; it must write the file.
    @discardableResult
    func convert(_ source: String, _ out: String, to target: String, _ extra: [String] = []) throws -> [String: Any] {
        let result = try CLIRunner.run(["convert", source, "-o", folder + "/" + out, "--to", target, "--json"] + extra)
        XCTAssertEqual(result.status, 0, result.stdout.prefix(800) + result.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
    }

    func bytes(_ tensor: Tensor?) -> [UInt8] { tensor?.contiguousBytes().toArray() ?? [] }

    /// `hub` (an mmdet file's hub) against `reference` (the Detectron fixture's hub): every tensor
    /// byte-equal, except that mmdet has no background box rows or mask channel, which come back as
    /// zeros while the class rows are the reference's own bytes.
    func assertSameHub(_ hub: StateDict, _ reference: StateDict, _ label: String) {
        XCTAssertEqual(Set(hub.names), Set(reference.names), label)
        XCTAssertEqual(reference.names.filter { $0.hasPrefix("roi_heads.res5.") }.count, 20, label)
        let background: [String: Int] = [  // name → leading rows holding the background
            "roi_heads.box_predictor.bbox_pred.weight": 4, "roi_heads.box_predictor.bbox_pred.bias": 4,
            "roi_heads.mask_head.predictor.weight": 1, "roi_heads.mask_head.predictor.bias": 1,
        ]
        for (name, tensor) in reference {
            guard let other = hub[name] else { continue }
            XCTAssertEqual(other.shape, tensor.shape, "\(label) \(name)")
            guard let rows = background[name] else {
                XCTAssertEqual(bytes(other), bytes(tensor), "\(label) \(name)")
                continue
            }
            let a = other.floats(), b = tensor.floats(), split = rows * (tensor.count / tensor.shape[0])
            XCTAssertEqual(Array(a[..<split]), Array(repeating: 0, count: split), "\(label) \(name) background")
            XCTAssertEqual(Array(a[split...]), Array(b[split...]), "\(label) \(name) classes")
            XCTAssertNotEqual(Array(b[..<split]), Array(repeating: 0, count: split), "\(label) \(name): the fixture's background rows are not zeros")
        }
    }

    /// Detectron C4 → mmdet writes mmdetection's own names (exactly those of the checkpoint real
    /// mmdet saved), and the mmdet file maps back onto the hub with the source's bytes; the hub's
    /// tensors written as mmdet again are the first mmdet file's bytes.
    func testDetectronC4ToMMDetAndBack() throws {
        let report = try convert(Self.detectronC4, "mm.pth", to: "mmdet")
        XCTAssertEqual(report["architecture"] as? String, "R-17-C4")
        XCTAssertEqual(report["tensors_written"] as? Int, 134)
        let mm = try read(folder + "/mm.pth")
        for (name, shape) in Self.headShapes {
            XCTAssertEqual(mm[name]?.shape, shape, name)
        }
        XCTAssertFalse(mm.names.contains { $0.hasPrefix("backbone.layer4.") || $0.contains("shared_fcs") }, "\(mm.names)")
        let real = try read(Self.mmdetC4)
        XCTAssertEqual(mm.names.sorted(), real.names.sorted())
        for (name, tensor) in real { XCTAssertEqual(mm[name]?.shape, tensor.shape, name) }

        try convert(Self.detectronC4, "reference.safetensors", to: "canonical")
        let back = try convert(folder + "/mm.pth", "hub.safetensors", to: "canonical")
        XCTAssertEqual(back["source_convention"] as? String, "mmdet")
        XCTAssertEqual(back["architecture"] as? String, "R-17-C4")
        assertSameHub(try read(folder + "/hub.safetensors"), try read(folder + "/reference.safetensors"), "mmdet → hub")

        try convert(folder + "/hub.safetensors", "again.pth", to: "mmdet")
        let again = try read(folder + "/again.pth")
        XCTAssertEqual(again.names.sorted(), mm.names.sorted())
        for (name, tensor) in mm {
            XCTAssertEqual(bytes(again[name]), bytes(tensor), name)
        }
    }

    /// The checkpoint saved by real mmdetection (mmengine layout, its config in meta.cfg) is detected
    /// as mmdet and C4 without options, and maps onto the hub with the Detectron fixture's bytes.
    /// Into Detectron, its undilated shared_head says MRCNN.DILATION: 1.
    func testRealMMDetC4CheckpointIsDetectedAndMapped() throws {
        let report = try convert(Self.mmdetC4, "hub.safetensors", to: "canonical")
        XCTAssertEqual(report["source_convention"] as? String, "mmdet")
        XCTAssertEqual(report["architecture"] as? String, "R-17-C4")
        XCTAssertEqual(report["mapped"] as? Int, 114)
        XCTAssertEqual((report["unknown"] as? [Any])?.count ?? 0, 0, "\(report["unknown"] ?? "")")
        try convert(Self.detectronC4, "reference.safetensors", to: "canonical")
        assertSameHub(try read(folder + "/hub.safetensors"), try read(folder + "/reference.safetensors"), "real mmdet → hub")

        let detectron = try convert(Self.mmdetC4, "detectron.pkl", to: "detectron")
        let settings = detectron["target_settings"] as? [[String: Any]] ?? []
        let dilation = try XCTUnwrap(settings.first { $0["key"] as? String == "MRCNN.DILATION" }, "\(settings)")
        XCTAssertEqual(dilation["value"] as? String, "1")
        XCTAssertEqual(dilation["changes_default"] as? Bool, true)
        let stride = try XCTUnwrap(settings.first { $0["key"] as? String == "RESNETS.STRIDE_1X1" }, "\(settings)")
        XCTAssertEqual(stride["value"] as? String, "True", "the checkpoint's config says style='caffe'")
    }
}
