import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// mmdetection's config text read as data: literals and `dict(...)` become values, everything
/// else is opaque (never evaluated), malformed text is an error with its line.
final class PythonConfigTests: XCTestCase {
    /// A derived config as mmdetection 3.3.0 ships it (`faster-rcnn_r50-caffe_fpn_1x_coco.py`).
    static let derived = """
    _base_ = './faster-rcnn_r50_fpn_1x_coco.py'
    model = dict(
        data_preprocessor=dict(
            type='DetDataPreprocessor',
            mean=[103.530, 116.280, 123.675],
            std=[1.0, 1.0, 1.0],
            bgr_to_rgb=False,
            pad_size_divisor=32),
        backbone=dict(
            norm_cfg=dict(requires_grad=False),
            norm_eval=True,
            style='caffe',
            init_cfg=dict(
                type='Pretrained',
                checkpoint='open-mmlab://detectron2/resnet50_caffe')))
    """

    func testDerivedConfigIsData() throws {
        let config = try PythonConfig(parsing: Self.derived)
        XCTAssertEqual(config.bases, ["./faster-rcnn_r50_fpn_1x_coco.py"])
        XCTAssertEqual(config.value(at: "model.backbone.style"), .string("caffe"))
        XCTAssertEqual(config.value(at: "model.backbone.norm_cfg.requires_grad"), .bool(false))
        XCTAssertEqual(config.value(at: "model.data_preprocessor.mean")?.flatNumbers, [103.53, 116.28, 123.675])
        XCTAssertEqual(config.value(at: "model.data_preprocessor.pad_size_divisor"), .int(32))
        XCTAssertEqual(config.value(at: "model.backbone.init_cfg.checkpoint")?.string, "open-mmlab://detectron2/resnet50_caffe")
        XCTAssertEqual(config.assignments.map(\.line), [1, 2])
    }

    func testLiteralsOfEveryKind() throws {
        let text = #"""
        # a comment
        a = {'x': 1, "y": (1, 2), 'z': [], 'w': (3,), 'v': ()}  # trailing comment
        b = '''triple
        quoted''' ; c = 1
        d = r'\d+' 'tail'
        e = -1e-05
        f = +3
        g = None, True, False
        h = 'it\'s\n\x41\u00e9'
        i = 0x1F
        j = 1_000
        k = \
            7
        _base_ = ['../_base_/models/a.py', '../_base_/default_runtime.py']
        """#
        let config = try PythonConfig(parsing: text)
        XCTAssertEqual(config["a"], .dict([.init(key: "x", value: .int(1)), .init(key: "y", value: .tuple([.int(1), .int(2)])),
                                           .init(key: "z", value: .list([])), .init(key: "w", value: .tuple([.int(3)])),
                                           .init(key: "v", value: .tuple([]))]))
        XCTAssertNil(config["b"], "b's statement has a ';' and is skipped, not guessed")
        XCTAssertEqual(config["d"], .string("\\d+tail"))
        XCTAssertEqual(config["e"], .float(-1e-5))
        XCTAssertEqual(config["f"], .int(3))
        XCTAssertEqual(config["g"], .tuple([.none, .bool(true), .bool(false)]))
        XCTAssertEqual(config["h"], .string("it's\nAé"))
        XCTAssertEqual(config["i"], .int(31))
        XCTAssertEqual(config["j"], .int(1000))
        XCTAssertEqual(config["k"], .int(7))
        XCTAssertEqual(config.bases, ["../_base_/models/a.py", "../_base_/default_runtime.py"])
        let triple = try PythonConfig(parsing: "b = '''two\nlines'''\nc = \"\"\"x\"\"\"\n")
        XCTAssertEqual(triple["b"], .string("two\nlines"))
        XCTAssertEqual(triple["c"], .string("x"))
    }

    /// Expressions, calls other than `dict`, f-strings and variable references are kept as text,
    /// so the values around them still read; nothing in them runs.
    func testNonLiteralsAreOpaqueNeverEvaluated() throws {
        let text = """
        norm_cfg = dict(type='BN', requires_grad=True)
        stages = 2 * 2
        model = dict(
            backbone=dict(type='ResNet', norm_cfg=norm_cfg, depth=__import__('os').system('false'),
                          style=f'{x}', out=tuple(range(4)), strides=[4, 8][0], keep='yes'),
            head=dict(**base), pair=dict(a=1, b=2))
        with read_base():
            from .._base_.models.faster_rcnn import *
        if True:
            model = dict(x=1)
        model.update(backbone=None)
        x += 1
        y = z = 3
        """
        let config = try PythonConfig(parsing: text)
        XCTAssertEqual(config["stages"], .opaque("2 * 2"))
        let backbone = try XCTUnwrap(config.value(at: "model.backbone"))
        XCTAssertEqual(backbone["norm_cfg"], .opaque("norm_cfg"))
        XCTAssertEqual(backbone["depth"], .opaque("__import__('os').system('false')"))
        XCTAssertEqual(backbone["style"], .opaque("f'{x}'"))
        XCTAssertEqual(backbone["out"], .opaque("tuple(range(4))"))
        XCTAssertEqual(backbone["strides"], .opaque("[4, 8][0]"))
        XCTAssertEqual(backbone["keep"], .string("yes"))
        XCTAssertEqual(config.value(at: "model.head"), .opaque("dict(**base)"))
        XCTAssertEqual(config.value(at: "model.pair.b"), .int(2))
        // Indented, augmented and chained assignments are not top-level settings.
        XCTAssertEqual(config.assignments.map(\.name), ["norm_cfg", "stages", "model"])
    }

    func testMalformedTextNamesItsLine() {
        let cases: [(String, Int, String)] = [
            ("a = 1\nmodel = dict(\n    type='X',\n", 2, "never closed"),
            ("a = 'open\nb = 2\n", 1, "never closed"),
            ("a = (1, 2]\n", 1, "does not match"),
            ("a = 1\nb = )\n", 2, "closes nothing"),
            ("a = 1\nb =\n", 2, "has no value"),
            ("a = dict(x=)\n", 1, "missing"),
            ("a = {'k': }\n", 1, "missing"),
            ("a = 1\n\nb = 3 $ 4\n", 3, "unexpected character"),
            ("a = 1.2.3\n", 1, "malformed number"),
            ("a = '''never\nends\n", 1, "never closed"),
        ]
        for (text, line, words) in cases {
            XCTAssertThrowsError(try PythonConfig(parsing: text), text) { error in
                guard case .malformed(let language, let reason, let at)? = error as? ConfigTextError else {
                    return XCTFail("\(text): \(error)")
                }
                XCTAssertEqual(language, "Python")
                XCTAssertEqual(at, line, "\(text): \(reason)")
                XCTAssertTrue(reason.contains(words), "\(text): \(reason)")
                XCTAssertEqual((error as? ConfigTextError)?.location, "config line \(line)")
            }
        }
    }

    /// mmengine's own `pretty_text` of a shipped mmdetection config (what a Runner saves as
    /// `meta['cfg']`; fixtures/check_configs_mmdet.py): every value is a literal.
    func testRealMmenginePrettyTextIsAllData() throws {
        let text = try String(contentsOfFile: Fixtures.path("configs/mmengine_cfg_caffe.txt"), encoding: .utf8)
        let config = try PythonConfig(parsing: text)
        func opaque(_ value: ConfigValue) -> [String] {
            switch value {
            case .opaque(let text): return [text]
            case .dict(let entries): return entries.flatMap { opaque($0.value) }
            case .list(let items), .tuple(let items): return items.flatMap(opaque)
            default: return []
            }
        }
        XCTAssertEqual(config.assignments.flatMap { opaque($0.value) }, [])
        XCTAssertGreaterThan(config.assignments.count, 20)
        XCTAssertEqual(config.value(at: "model.backbone.style"), .string("caffe"))
        XCTAssertEqual(config.value(at: "model.backbone.out_indices"), .tuple([.int(0), .int(1), .int(2), .int(3)]))
        XCTAssertEqual(config.value(at: "model.roi_head.bbox_roi_extractor.roi_layer.output_size"), .int(7))
        XCTAssertEqual(config.value(at: "train_dataloader.dataset.pipeline")?.items?.first?["type"], .string("LoadImageFromFile"))
    }

    /// Reading recurses per nesting level; a hostile config is an error, never a stack overflow.
    func testDeepNestingIsAnErrorNotACrash() {
        let deep = "a = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        XCTAssertThrowsError(try PythonConfig(parsing: deep)) { error in
            guard case .malformed(_, let reason, let line)? = error as? ConfigTextError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("nested deeper"), reason)
            XCTAssertEqual(line, 1)
        }
        XCTAssertNoThrow(try PythonConfig(parsing: "a = " + String(repeating: "[", count: 50) + String(repeating: "]", count: 50)))
        let yaml = "A: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        XCTAssertThrowsError(try DetectronConfigReader.read(yaml, isC4: false))
    }

    func testEmptyAndCommentOnlyTextHasNoSettings() throws {
        XCTAssertEqual(try PythonConfig(parsing: "").assignments, [])
        XCTAssertEqual(try PythonConfig(parsing: "# nothing\n\n   \n").assignments, [])
    }
}
