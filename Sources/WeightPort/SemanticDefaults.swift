import WeightPortMapping
import WeightPortModels
import WeightPortVocabulary

/// What a convention's declared semantics say about the architecture, for everything the
/// tensors themselves cannot show (stride placement, pool1 rounding, norm kind and eps).
enum SemanticDefaults {
    static func spec(_ semantics: ConventionSemantics, flags: Set<ArchitectureFlag>, base: ArchitectureSpec? = nil) -> ArchitectureSpec {
        var spec = base ?? ArchitectureSpec(depth: 50, block: .bottleneck, blocksPerStage: [3, 4, 6, 3])
        if let stride = semantics.strideInFirst1x1, base == nil { spec.strideIn1x1 = stride }
        spec.stemPool = semantics.pool1 ?? .pytorch
        let eps = Float(semantics.normEps ?? 1e-5)
        if flags.contains(.gn) {
            spec.norm = .group(32, eps: 1e-5)
        } else if semantics.norm == .affine {
            spec.norm = .affine
        } else {
            spec.norm = NormSpec(kind: .batch, eps: eps)
        }
        // Independent traits: ResNetV1c has the deep stem with plain strided shortcuts.
        if flags.contains(.deepStem) { spec.stem = .deep }
        if flags.contains(.avgDown) { spec.shortcut = .avgDown }
        return spec
    }
}
