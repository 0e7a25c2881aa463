import WeightPortCore
import WeightPortMapping
import WeightPortModels

/// Accounts for canonical tensors against the hub's tree: what the tree needs and lacks, what
/// it holds with another shape, and what no node consumes. `convert`, `export` and `verify` all
/// account the same way, so none of them can pass a tensor by silently.
enum TreeCoverage {
    static func account(_ tensors: StateDict, sources: [String: [String]], tree: ModelTree,
                        into report: inout MappingReport) {
        // BatchNorm counters are bookkeeping the tree does not list (ParameterCheck skips them).
        let check = tree.check(tensors.map { ($0.name, $0.tensor.shape) })
        report.missing = check.missing
        report.shapeMismatches = check.mismatched.map { ($0.path, $0.found, $0.expected) }
        report.unconsumed = check.unexpected.flatMap { sources[$0] ?? [$0] }
    }
}
