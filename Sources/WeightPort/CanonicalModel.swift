import WeightPortCore
import WeightPortMapping
import WeightPortModels

/// A weight file brought onto the hub: canonical tensors, the architecture they fit, and the
/// convention (with its semantics) they came from. `convert`, `verify` and `export` all start here.
public struct CanonicalModel: Sendable {
    public let path: String
    public let file: WeightFile
    /// The naming convention of the source (`detectron`, `torchvision`, …; `bundle` for a WeightPort bundle).
    public let convention: String
    public let semantics: ConventionSemantics
    public let context: MappingContext
    public var weights: CanonicalWeights
    public var spec: ArchitectureSpec
    public var report: MappingReport
    /// The checkpoint container the weights were found in (`model`, `state_dict`), if any.
    public let container: String?
    /// Whether stride placement is known (declared by the convention or given by the user),
    /// rather than assumed: only then is a disagreement with the target worth a warning.
    public var strideKnown = true
    /// The training config the file carries (Detectron `cfg`, mmdetection `meta.cfg`), as read.
    public var checkpointConfig: CheckpointConfig?
    /// Where each value of `semantics` came from, by key (`stride_in_1x1`, `heads.box`, …):
    /// `file` (the checkpoint's own config), `table` (the convention's defaults) or `option`.
    public var semanticsProvenance: [String: String] = [:]

    /// The hub's tree for `spec`: the one source of which parameters, shapes and features the
    /// model has.
    public var tree: ModelTree {
        get throws(ArchitectureError) { try ModelTree(spec: spec) }
    }

    /// Norm paths that are GroupNorms (their tensors look exactly like affine norms').
    public var groupNormPaths: Set<String> {
        ((try? tree)?.groupNormPaths ?? []).intersection(weights.normPaths)
    }

    init(path: String, file: WeightFile, convention: String, semantics: ConventionSemantics, context: MappingContext,
         weights: CanonicalWeights, spec: ArchitectureSpec, report: MappingReport, container: String?) {
        self.path = path
        self.file = file
        self.convention = convention
        self.semantics = semantics
        self.context = context
        self.weights = weights
        self.spec = spec
        self.report = report
        self.container = container
    }
}
