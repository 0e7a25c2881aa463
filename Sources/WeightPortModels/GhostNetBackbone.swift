/// A GhostNet v1 backbone as one node (`GhostNetSpec`): its parameters are the timm/huawei
/// names under the hub prefix `ghostnet.` (`ghostnet.blocks.3.0.ghost1.primary_conv.0.weight`),
/// and it emits `stem`, the stride features `c2`…`c5` and, with a classifier, `logits`.
public struct GhostNetBackbone: ModelNode {
    /// The hub's prefix for GhostNet names: detectron2 has no GhostNet, so the timm names are kept
    /// under it rather than invented.
    public static let prefix = "ghostnet."

    public let spec: GhostNetSpec
    public var path: String { "ghostnet" }

    public var parameters: [ParameterSpec] {
        spec.parameterShapes.map { name, shape in
            ParameterSpec(path: Self.prefix + name, shape: shape, role: Self.role(of: name, rank: shape.count))
        }
    }

    public var emits: [String] {
        ["stem"] + spec.detectionFeatures.keys.sorted() + (spec.classes == nil ? [] : ["logits"])
    }

    /// Output channels of each stride feature `c2`…`c5`, in that order.
    public var levelChannels: [Int] {
        let features = spec.detectionFeatures
        let blocks = spec.stages.map { $0.last?.outChannels ?? 0 }
        return ["c2", "c3", "c4", "c5"].map { name in
            guard let index = features[name] else { return 0 }
            return index == spec.finalStageIndex ? spec.finalChannels : blocks[index]
        }
    }

    static func role(of name: String, rank: Int) -> ParameterSpec.Role {
        if name.hasPrefix("classifier.") { return name.hasSuffix(".bias") ? .linearBias : .linearWeight }
        if name.hasSuffix("running_mean") { return .normRunningMean }
        if name.hasSuffix("running_var") { return .normRunningVar }
        if rank == 1 { return name.hasSuffix(".bias") && (name.contains("se.") || name.hasPrefix("conv_head")) ? .convBias
            : (name.hasSuffix(".weight") ? .normWeight : .normBias) }
        return .convWeight
    }
}
