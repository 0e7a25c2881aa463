import Foundation

/// A GhostNet v1 backbone (Han et al. 2020) as timm's `GhostNet` and huawei-noah's `ghostnet()`
/// build it: channel widths per block, read from a state dict (`GhostNetSpec.infer`) or made from
/// the published block table and a width multiplier (`v1(width:)`).
///
/// Structure (`timm/models/ghostnet.py`, `HEADS.md` §7): `conv_stem` 3×3 stride 2 + `bn1` + ReLU;
/// `blocks.0` … `blocks.{n−1}`, each a sequence of Ghost bottlenecks; `blocks.n.0`, a 1×1
/// ConvBnAct (`conv`, `bn1`, ReLU); then global average pooling, `conv_head` (1×1 with bias, on
/// the pooled vector), ReLU, `classifier`.
public struct GhostNetSpec: Codable, Sendable, Equatable {
    /// One Ghost bottleneck: `ghost1` (in → mid, ReLU), for stride > 1 a depthwise `conv_dw` +
    /// `bn_dw`, an optional squeeze-excite, `ghost2` (mid → out, no activation), plus the shortcut.
    public struct Block: Codable, Sendable, Equatable {
        public var inChannels: Int
        public var midChannels: Int
        public var outChannels: Int
        /// The depthwise kernel of `conv_dw` and of the shortcut's `shortcut.0`; nil when the block
        /// has neither (stride 1, in == out), where it has no effect and no tensor records it.
        public var kernel: Int?
        public var stride: Int
        /// The squeeze-excite's reduced width (`se.conv_reduce` rows), nil without SE.
        public var seChannels: Int?

        public init(inChannels: Int, midChannels: Int, outChannels: Int, kernel: Int?, stride: Int, seChannels: Int?) {
            self.inChannels = inChannels
            self.midChannels = midChannels
            self.outChannels = outChannels
            self.kernel = kernel
            self.stride = stride
            self.seChannels = seChannels
        }

        /// timm/huawei: an identity shortcut when `in == out` and stride 1, otherwise depthwise
        /// k×k (with the block's stride) + BN + pointwise 1×1 + BN.
        public var hasShortcutConv: Bool { inChannels != outChannels || stride != 1 }
    }

    public var stemChannels: Int
    /// `blocks.0` … `blocks.{n−1}`: the cfg groups of bottlenecks.
    public var stages: [[Block]]
    /// Output width of the final 1×1 ConvBnAct `blocks.{n}.0` (`make_divisible(960·w, 4)`).
    public var finalChannels: Int
    /// `conv_head` output width (1280 in timm and huawei), nil when the file has no head.
    public var headChannels: Int?
    /// `classifier` rows, nil when the file has no classifier.
    public var classes: Int?
    /// The width multiplier whose v1 block table this is (0.5, 1.0, 1.3 for ghostnet_050/100/130),
    /// nil for a table that is not the v1 one at any width.
    public var width: Double?

    public init(stemChannels: Int, stages: [[Block]], finalChannels: Int, headChannels: Int?, classes: Int?,
                width: Double? = nil) {
        self.stemChannels = stemChannels
        self.stages = stages
        self.finalChannels = finalChannels
        self.headChannels = headChannels
        self.classes = classes
        self.width = width
    }

    /// timm `make_divisible(v, divisor)` (`timm/layers/helpers.py`; huawei `_make_divisible`):
    /// `max(divisor, int(v + divisor / 2) // divisor * divisor)`, plus `divisor` when that is
    /// below 0.9·v.
    public static func makeDivisible(_ value: Double, divisor: Int = 4) -> Int {
        let d = Double(divisor)
        var result = max(divisor, Int((value + d / 2).rounded(.down)) / divisor * divisor)
        if Double(result) < 0.9 * value { result += divisor }
        return result
    }

    /// The v1 block table `(k, exp, c, se_ratio, s)` shared by timm `_create_ghostnet` and
    /// huawei `ghostnet()`, one inner array per `blocks.i`.
    public static let v1Table: [[(kernel: Int, expansion: Int, channels: Int, seRatio: Double, stride: Int)]] = [
        [(3, 16, 16, 0, 1)],
        [(3, 48, 24, 0, 2)],
        [(3, 72, 24, 0, 1)],
        [(5, 72, 40, 0.25, 2)],
        [(5, 120, 40, 0.25, 1)],
        [(3, 240, 80, 0, 2)],
        [(3, 200, 80, 0, 1), (3, 184, 80, 0, 1), (3, 184, 80, 0, 1), (3, 480, 112, 0.25, 1), (3, 672, 112, 0.25, 1)],
        [(5, 672, 160, 0.25, 2)],
        [(5, 960, 160, 0, 1), (5, 960, 160, 0.25, 1), (5, 960, 160, 0, 1), (5, 960, 160, 0.25, 1)],
    ]

    /// GhostNet v1 at `width` (timm `ghostnet_050` = 0.5, `ghostnet_100` = 1.0, `ghostnet_130` = 1.3):
    /// stem `make_divisible(16·w, 4)`, each block's mid and out `make_divisible(exp·w, 4)` and
    /// `make_divisible(c·w, 4)`, SE width `make_divisible(mid·se_ratio, 4)` (of the already scaled
    /// mid width, as timm's `SqueezeExcite(mid_chs, rd_ratio=se_ratio)` computes it), final
    /// `make_divisible(960·w, 4)`; the head's 1280 is not scaled.
    public static func v1(width: Double, classes: Int? = 1000, headChannels: Int? = 1280) -> GhostNetSpec {
        var previous = makeDivisible(16 * width)
        let stem = previous
        let stages = v1Table.map { group in
            group.map { row -> Block in
                let mid = makeDivisible(Double(row.expansion) * width), out = makeDivisible(Double(row.channels) * width)
                let se = row.seRatio > 0 ? makeDivisible(Double(mid) * row.seRatio) : nil
                defer { previous = out }
                return Block(inChannels: previous, midChannels: mid, outChannels: out, kernel: row.kernel, stride: row.stride,
                             seChannels: se)
            }
        }
        return GhostNetSpec(stemChannels: stem, stages: stages, finalChannels: makeDivisible(960 * width),
                            headChannels: headChannels, classes: classes, width: width)
    }

    /// `blocks.{index}` of the final 1×1 ConvBnAct.
    public var finalStageIndex: Int { stages.count }

    /// Output stride of `blocks.{index}` (2 after the stem, doubled by each strided block).
    public func stride(afterStage index: Int) -> Int {
        stages.prefix(index + 1).joined().reduce(2) { $0 * $1.stride }
    }

    /// Detection features: the last stage at each output stride 4, 8, 16 and 32, as `c2`…`c5`
    /// (`c{k}` has stride 2^k). For the v1 table: `c2` = `blocks.2`, `c3` = `blocks.4`,
    /// `c4` = `blocks.6`, `c5` = `blocks.9` (the final 1×1 ConvBnAct after the last bottleneck,
    /// as torchvision's MobileNet detection backbones end with their last 1×1 conv). timm's
    /// `features_only` taps differ: the *first* stage at each stride, `blocks.1/3/5/7`.
    public var detectionFeatures: [String: Int] {
        var result: [String: Int] = [:]
        for index in 0...finalStageIndex {
            let stride = index == finalStageIndex ? self.stride(afterStage: index - 1) : self.stride(afterStage: index)
            let level = stride.trailingZeroBitCount
            if (2...5).contains(level) { result["c\(level)"] = index }   // later stages overwrite: the last wins
        }
        return result
    }

    /// The ghost module's two widths: `init = ceil(out / 2)` from the primary 1×1, `new = init` from
    /// the cheap depthwise 3×3 (ratio 2); the concatenation is sliced back to `out`.
    public static func ghostWidths(_ outChannels: Int) -> (primary: Int, cheap: Int) {
        let primary = (outChannels + 1) / 2
        return (primary, primary)
    }

    /// Every parameter with its timm/huawei name and shape, in module order (BatchNorm's
    /// `num_batches_tracked` is bookkeeping and not listed).
    public var parameterShapes: [(String, [Int])] {
        var result: [(String, [Int])] = [("conv_stem.weight", [stemChannels, 3, 3, 3])]
        func norm(_ path: String, _ channels: Int) {
            for field in ["weight", "bias", "running_mean", "running_var"] { result.append(("\(path).\(field)", [channels])) }
        }
        func ghost(_ path: String, _ input: Int, _ output: Int) {
            let (primary, cheap) = Self.ghostWidths(output)
            result.append(("\(path).primary_conv.0.weight", [primary, input, 1, 1]))
            norm("\(path).primary_conv.1", primary)
            result.append(("\(path).cheap_operation.0.weight", [cheap, 1, 3, 3]))
            norm("\(path).cheap_operation.1", cheap)
        }
        norm("bn1", stemChannels)
        for (i, stage) in stages.enumerated() {
            for (j, block) in stage.enumerated() {
                let path = "blocks.\(i).\(j)", k = block.kernel ?? 0
                ghost(path + ".ghost1", block.inChannels, block.midChannels)
                if block.stride > 1 {
                    result.append(("\(path).conv_dw.weight", [block.midChannels, 1, k, k]))
                    norm(path + ".bn_dw", block.midChannels)
                }
                if let se = block.seChannels {
                    result.append(("\(path).se.conv_reduce.weight", [se, block.midChannels, 1, 1]))
                    result.append(("\(path).se.conv_reduce.bias", [se]))
                    result.append(("\(path).se.conv_expand.weight", [block.midChannels, se, 1, 1]))
                    result.append(("\(path).se.conv_expand.bias", [block.midChannels]))
                }
                ghost(path + ".ghost2", block.midChannels, block.outChannels)
                if block.hasShortcutConv {
                    result.append(("\(path).shortcut.0.weight", [block.inChannels, 1, k, k]))
                    norm(path + ".shortcut.1", block.inChannels)
                    result.append(("\(path).shortcut.2.weight", [block.outChannels, block.inChannels, 1, 1]))
                    norm(path + ".shortcut.3", block.outChannels)
                }
            }
        }
        let last = stages.last?.last?.outChannels ?? stemChannels
        result.append(("blocks.\(finalStageIndex).0.conv.weight", [finalChannels, last, 1, 1]))
        norm("blocks.\(finalStageIndex).0.bn1", finalChannels)
        var features = finalChannels
        if let head = headChannels {
            result.append(("conv_head.weight", [head, finalChannels, 1, 1]))
            result.append(("conv_head.bias", [head]))
            features = head
        }
        if let classes {
            result.append(("classifier.weight", [classes, features]))
            result.append(("classifier.bias", [classes]))
        }
        return result
    }

    /// Names that are bookkeeping, not parameters: BatchNorm's `num_batches_tracked` and the thop
    /// profiler's `total_ops` / `total_params` buffers in some huawei checkpoints (timm's
    /// `checkpoint_filter_fn` skips every key containing `total`).
    public static func isBookkeeping(_ name: String) -> Bool {
        name.hasSuffix("num_batches_tracked") || name.hasSuffix("total_ops") || name.hasSuffix("total_params")
    }
}
