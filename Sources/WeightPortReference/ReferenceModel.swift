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
    /// One twin per node that has one, in the tree's order, with its node's path.
    private let twins: [(path: String, twin: any RunnableNode)]
    private let pool = BufferPool()
    /// Nodes with no runnable twin: checked by name and shape only.
    private let untwinned: [String]

    /// Checks `stateDict` against every parameter of the tree, heads included (missing,
    /// unexpected, wrong shape), and folds norms.
    public init(tree: ModelTree, stateDict: StateDict) throws(LoadError) {
        let parameters = try ParameterSource(stateDict, expected: tree.parameters)
        self.tree = tree
        var twins: [(String, any RunnableNode)] = []
        var untwinned: [String] = []
        for node in tree.nodes {
            if let twin = try RunnableNodes.twin(of: node, parameters: parameters) {
                twins.append((node.path, twin))
            } else {
                untwinned.append(node.path)
            }
        }
        self.twins = twins
        self.untwinned = untwinned
        try ReferenceModel.useSingleThreadedBLAS()
    }

    /// Loads OpenBLAS single-threaded: the forward pass splits every product over the cores
    /// itself (`Gemm`), so each part runs on the calling thread.
    private static func useSingleThreadedBLAS() throws(LoadError) {
        guard wp_blas_load() == 0 else { throw .blas(String(cString: wp_blas_error())) }
    }

    /// Paths of the nodes a pass with `heads` does not run: RoI heads without boxes, and any
    /// node kind without a twin. Their tensors are still checked by name and shape.
    public func notRun(heads: HeadSettings?) -> [String] {
        let withoutBoxes = heads == nil || heads?.boxes.isEmpty == true
        return untwinned + twins.filter { withoutBoxes && $0.twin.needsBoxes }.map(\.path)
    }

    /// Runs the model on an NCHW input with 3 channels; returns the requested features by name
    /// (`stem`, `res2`…`res5`, `p2`…`p7`, `logits`, and with `heads` the RPN and RoI heads' outputs
    /// on its boxes: `rpn.objectness.p2`, `box.cls_score`, `mask.logits`, …).
    public func forward(_ input: FeatureMap, heads: HeadSettings? = nil) throws(LoadError) -> [String: FeatureMap] {
        guard input.channels == 3, input.height > 0, input.width > 0 else {
            throw .input(expected: "[N, 3, H, W]", found: input.shape)
        }
        var state = ForwardState(current: input, pool: pool, heads: heads?.boxes.isEmpty == false ? heads : nil)
        for (_, twin) in twins { try twin.run(&state) }
        return select(state.features)
    }

    /// Forward pass on a Core tensor `[N, 3, H, W]`.
    public func forward(_ input: Tensor, heads: HeadSettings? = nil) throws(LoadError) -> [String: FeatureMap] {
        guard input.rank == 4 else { throw .input(expected: "[N, 3, H, W]", found: input.shape) }
        return try forward(FeatureMap(values: input.floats(), shape: input.shape), heads: heads)
    }

    private func select(_ features: [String: FeatureMap]) -> [String: FeatureMap] {
        // Head outputs are returned whenever computed; the backbone's as the spec asks.
        let wanted = Set(tree.spec.returnedFeatures ?? tree.featureNames).union(FeatureName.heads)
        return features.filter { wanted.contains($0.key) }
    }

    /// Floats the model's buffer pool holds (activations and scratch), for memory reports.
    public var pooledFloats: Int { pool.heldFloats }
}
