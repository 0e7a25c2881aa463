/// A node of the hub's module tree: a stem, a residual block, a pyramid, a classifier or a head.
///
/// Each node knows its canonical path, the parameters it owns (path and shape, in the order the
/// model defines them) and the features it emits, so missing tensors, shape mismatches and
/// feature order come from the tree for every node kind alike. The reference forward pass keeps a
/// runnable twin per node kind (`WeightPortReference`): a new kind is one file here and one there.
public protocol ModelNode: Sendable {
    /// Canonical path prefix of the node's parameters (`res3.0`, `roi_heads.mask_head`).
    var path: String { get }
    /// Every parameter of the node, in model order.
    var parameters: [ParameterSpec] { get }
    /// Canonical names of the features the node emits, in computation order.
    var emits: [String] { get }
    /// The node's convolutions (with their norms), in model order.
    var convolutions: [ConvolutionLayer] { get }
}

extension ModelNode {
    public var emits: [String] { [] }
    public var convolutions: [ConvolutionLayer] { [] }
}

/// A detection head: a node fed by RoI or pyramid features rather than by the backbone's chain.
public protocol HeadNode: ModelNode {}
