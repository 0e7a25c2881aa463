/// What a deformable conv's tensors' shapes say about it, and what they cannot say.
///
/// Every framework stores a DCN layer as an ordinary offset conv (`[rows, in, k, k]` + bias) and
/// the deformable conv's own weight (`[out, in / groups, k, k]`, the ordinary conv shape; no bias):
/// maskrcnn-benchmark `conv2.offset.*` + `conv2.conv.weight`, detectron2 `conv2_offset.*` +
/// `conv2.weight`, mmdet `conv2.conv_offset.*` + `conv2.weight` (`HEADS.md` §6.1). The offset conv
/// has `rows = 2·g·k·k` (DCNv1) or `3·g·k·k` (DCNv2, offsets then mask logits) for `g` deformable
/// groups, so the version and `g` come from `rows` alone only when exactly one of the two fits:
/// 18 → v1 g1, 27 → v2 g1, 72 → v1 g4; but 54 is v1 g3 or v2 g2 and 108 is v2 g4 (mmdet's
/// `mdconv…group4` configs) or v1 g6, which only the framework's config (`DEFORM_MODULATED`,
/// `with_modulated_dcn`, `type='DCNv2'`) tells apart.
public struct DeformableConvShape: Sendable, Equatable, Hashable {
    public var modulated: Bool
    public var deformableGroups: Int

    public init(modulated: Bool, deformableGroups: Int) {
        self.modulated = modulated
        self.deformableGroups = deformableGroups
    }

    /// Every (version, deformable groups) that an offset conv of `rows` output channels fits for a
    /// `kernel`×`kernel` deformable conv whose input has `inChannels` channels (groups must divide
    /// them), DCNv2 first.
    public static func interpretations(offsetRows rows: Int, kernel: Int, inChannels: Int) -> [DeformableConvShape] {
        let taps = kernel * kernel
        guard taps > 0, rows > 0 else { return [] }
        return [(true, 3), (false, 2)].compactMap { modulated, perTap -> DeformableConvShape? in
            guard rows % (perTap * taps) == 0 else { return nil }
            let groups = rows / (perTap * taps)
            guard groups > 0, inChannels % groups == 0 else { return nil }
            return DeformableConvShape(modulated: modulated, deformableGroups: groups)
        }
    }

    /// Conv groups of the deformable conv from its weight `[out, in / groups, k, k]` and its input
    /// width, nil when they do not divide (torchvision: `n_weight_grps = n_in_channels // weight.shape[1]`).
    public static func convGroups(weightShape: [Int], inChannels: Int) -> Int? {
        guard weightShape.count == 4, weightShape[1] > 0, inChannels % weightShape[1] == 0,
              weightShape[0] % (inChannels / weightShape[1]) == 0 else { return nil }
        return inChannels / weightShape[1]
    }
}
