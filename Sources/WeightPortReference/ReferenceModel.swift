import COpenBLAS
import Foundation
import WeightPortCore
import WeightPortModels
import WeightPortVocabulary

/// The reference forward pass over the canonical tree, float32 NCHW on the CPU (OpenBLAS).
///
/// Built once from the hub's tree and a state dict under canonical names; norms are folded at
/// load. Not safe to run concurrently with itself (it recycles its buffers between calls).
public final class ReferenceModel {
    public let tree: ModelTree
    private let stem: [NormalizedConvolution]
    private let stemPool: MaxPool
    private let stages: [[ReferenceBlock]]
    private let pyramid: ReferencePyramid?
    private let classifier: Linear?
    private let pool = BufferPool()

    /// Checks `stateDict` against every parameter of the tree, heads included (missing,
    /// unexpected, wrong shape), and folds norms.
    public init(tree: ModelTree, stateDict: StateDict) throws(LoadError) {
        let parameters = try ParameterSource(stateDict, expected: tree.parameters)
        let spec = tree.spec
        self.tree = tree
        stem = tree.stem.convs.map { NormalizedConvolution($0, parameters: parameters) }
        stemPool = spec.stemPool == .pytorch
            ? MaxPool(kernel: 3, stride: 2, padding: 1)
            : MaxPool(kernel: 3, stride: 2, padding: 0, ceilMode: true)
        stages = tree.stages.map { $0.map { ReferenceBlock($0, parameters: parameters) } }
        pyramid = tree.featurePyramid.map { ReferencePyramid($0, parameters: parameters) }
        classifier = tree.classifier.map {
            Linear(inFeatures: $0.inFeatures, outFeatures: $0.classes,
                   weight: parameters.floats($0.path + ".weight"), bias: parameters.floats($0.path + ".bias"))
        }
        try ReferenceModel.useSingleThreadedBLAS()
    }

    /// Loads OpenBLAS single-threaded: the forward pass splits every product over the cores
    /// itself (`Gemm`), so each part runs on the calling thread.
    private static func useSingleThreadedBLAS() throws(LoadError) {
        guard wp_blas_load() == 0 else { throw .blas(String(cString: wp_blas_error())) }
    }

    /// Runs the model on an NCHW input with 3 channels; returns the requested features by name
    /// (`stem`, `res2`…`res5`, `p2`…`p7`, `logits`).
    public func forward(_ input: FeatureMap) throws(LoadError) -> [String: FeatureMap] {
        guard input.channels == 3, input.height > 0, input.width > 0 else {
            throw .input(expected: "[N, 3, H, W]", found: input.shape)
        }
        var features: [String: FeatureMap] = [:]
        var x = input
        for conv in stem { x = conv.apply(x, pool: pool, relu: true) }
        x = stemPool.apply(x, pool: pool)
        features[FeatureName.backbone[0]] = x
        var stageOutputs: [FeatureMap] = []
        for (index, blocks) in stages.enumerated() {
            for block in blocks { x = block.apply(x, pool: pool) }
            features[FeatureName.stage(index)] = x
            stageOutputs.append(x)
        }
        if let pyramid {
            for (name, level) in pyramid.apply(stageOutputs, pool: pool) { features[name] = level }
        }
        if let classifier {
            features[FeatureName.logits] = classifier.apply(Linear.globalAveragePool(x), batch: x.batch, pool: pool)
        }
        return select(features)
    }

    /// Forward pass on a Core tensor `[N, 3, H, W]`.
    public func forward(_ input: Tensor) throws(LoadError) -> [String: FeatureMap] {
        guard input.rank == 4 else { throw .input(expected: "[N, 3, H, W]", found: input.shape) }
        return try forward(FeatureMap(values: input.floats(), shape: input.shape))
    }

    private func select(_ features: [String: FeatureMap]) -> [String: FeatureMap] {
        var wanted = tree.spec.returnedFeatures.map(Set.init) ?? Set(features.keys)
        if tree.spec.returnedFeatures == nil, tree.featurePyramid?.spec.onlyP2 == true {
            wanted.subtract(["p3", "p4", "p5", "p6", "p7"])
        }
        return features.filter { wanted.contains($0.key) }
    }

    /// Paths of the head nodes the tree holds, checked by name and shape but not run by this pass.
    public var headsNotRun: [String] { tree.heads.map(\.path) }

    /// Floats the model's buffer pool holds (activations and scratch), for memory reports.
    public var pooledFloats: Int { pool.heldFloats }
}
