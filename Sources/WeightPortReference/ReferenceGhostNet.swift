import WeightPortCore
import WeightPortModels

/// The reference forward pass of a whole GhostNet v1 (timm `GhostNet`, huawei-noah `GhostNet`),
/// float32 NCHW on the CPU, from a state dict under timm/huawei names.
///
/// The architecture is inferred from the tensors' names and shapes (`GhostNetSpec.infer`);
/// BatchNorms (eps 1e-5, PyTorch's default, used by both) are folded into their convs at load.
/// Computes what timm's `forward_features` and `forward_head` compute: `conv_stem` + `bn1` +
/// ReLU, every `blocks.i`, then global average pooling, `conv_head` (a 1×1 conv with bias on the
/// pooled vector), ReLU, `classifier` (dropout is inactive in eval). Not safe to run concurrently
/// with itself (it recycles its buffers between calls).
public final class ReferenceGhostNet {
    public let spec: GhostNetSpec
    private let stem: Convolution
    private let stages: [[GhostBottleneck]]
    private let final: Convolution
    private let head: Linear?
    private let classifier: Linear?
    private let pool = BufferPool()

    /// Infers the architecture from `stateDict` and builds the model; bookkeeping tensors
    /// (`num_batches_tracked`, `total_ops`, `total_params`) are ignored, anything else unknown is an error.
    public convenience init(stateDict: StateDict, eps: Float = 1e-5) throws(GhostNetError) {
        let shapes = stateDict.map { ($0.name, $0.tensor.shape) }
        let spec: GhostNetSpec
        do { spec = try GhostNetSpec.infer(from: shapes) } catch { throw .architecture(error) }
        try self.init(spec: spec, stateDict: stateDict, eps: eps)
    }

    /// Builds `spec` from `stateDict`, which must hold exactly `spec.parameterShapes` (plus bookkeeping).
    public init(spec: GhostNetSpec, stateDict: StateDict, eps: Float = 1e-5) throws(GhostNetError) {
        var table: [String: [Int]] = [:]
        for (name, tensor) in stateDict where !GhostNetSpec.isBookkeeping(name) { table[name] = tensor.shape }
        do { try spec.checkExactly(table) } catch { throw .architecture(error) }
        do { try ReferenceBLAS.load() } catch { throw .blas(error.what) }
        let weights = GhostNetWeights(values: { stateDict[$0]?.floats() }, eps: eps)
        self.spec = spec
        stem = try weights.convolution("conv_stem", norm: "bn1", in: 3, out: spec.stemChannels, kernel: 3, stride: 2)
        var stages: [[GhostBottleneck]] = []
        for (i, stage) in spec.stages.enumerated() {
            var blocks: [GhostBottleneck] = []
            for (j, block) in stage.enumerated() {
                blocks.append(try GhostBottleneck(block, path: "blocks.\(i).\(j)", eps: eps, values: weights.values))
            }
            stages.append(blocks)
        }
        self.stages = stages
        let finalPath = "blocks.\(spec.finalStageIndex).0"
        let last = spec.stages.last?.last?.outChannels ?? spec.stemChannels
        final = try weights.convolution(finalPath + ".conv", norm: finalPath + ".bn1", in: last, out: spec.finalChannels,
                                        kernel: 1)
        var features = spec.finalChannels
        if let channels = spec.headChannels {
            head = Linear(inFeatures: features, outFeatures: channels, weight: try weights.floats("conv_head.weight"),
                          bias: try weights.floats("conv_head.bias"))
            features = channels
        } else {
            head = nil
        }
        classifier = try spec.classes.map { classes throws(GhostNetError) in
            Linear(inFeatures: features, outFeatures: classes, weight: try weights.floats("classifier.weight"),
                   bias: try weights.floats("classifier.bias"))
        }
    }

    /// Runs the model on an NCHW input with 3 channels. Returns `stem` (after `bn1` and ReLU), every
    /// `blocks.i` (stage output), the detection features `c2`…`c5` (`GhostNetSpec.detectionFeatures`:
    /// the last stage at strides 4, 8, 16, 32; for v1 `blocks.2/4/6/9`), and `logits` `[N, classes, 1, 1]`
    /// when the file has a classifier.
    public func forward(_ input: FeatureMap) throws(GhostNetError) -> [String: FeatureMap] {
        guard input.channels == 3, input.height > 0, input.width > 0 else {
            throw .input(expected: "[N, 3, H, W]", found: input.shape)
        }
        var features: [String: FeatureMap] = [:]
        var x = stem.apply(input, pool: pool, relu: true)
        features["stem"] = x
        for (index, blocks) in stages.enumerated() {
            for block in blocks { x = block.apply(x, pool: pool) }
            features["blocks.\(index)"] = x
        }
        x = final.apply(x, pool: pool, relu: true)
        features["blocks.\(spec.finalStageIndex)"] = x
        for (name, index) in spec.detectionFeatures { features[name] = features["blocks.\(index)"] }
        var pooled = Linear.globalAveragePool(x)
        if let head {
            let hidden = head.apply(pooled, batch: x.batch, pool: pool)
            Epilogue.relu(hidden)
            pooled = hidden.values()
        }
        if let classifier { features["logits"] = classifier.apply(pooled, batch: x.batch, pool: pool) }
        return features
    }

    /// Forward pass on a Core tensor `[N, 3, H, W]`.
    public func forward(_ input: Tensor) throws(GhostNetError) -> [String: FeatureMap] {
        guard input.rank == 4 else { throw .input(expected: "[N, 3, H, W]", found: input.shape) }
        return try forward(FeatureMap(values: input.floats(), shape: input.shape))
    }
}
