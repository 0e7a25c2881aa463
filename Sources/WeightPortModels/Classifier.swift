/// ImageNet classifier on res5: global average pool then `linear` (detectron2's `ResNet.linear`;
/// torchvision and timm call it `fc`, mmcls `head.fc`; mapping tables rename it).
public struct Classifier: ModelNode, Equatable {
    public var path: String
    public var inFeatures: Int
    public var classes: Int

    public var emits: [String] { ["logits"] }

    public var parameters: [ParameterSpec] {
        [ParameterSpec(path: path + ".weight", shape: [classes, inFeatures], role: .linearWeight),
         ParameterSpec(path: path + ".bias", shape: [classes], role: .linearBias)]
    }
}
