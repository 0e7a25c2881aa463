/// What a mapping did with every tensor: the report `convert` prints and stores.
public struct MappingReport: Sendable {
    /// Number of source tensors carried into the result.
    public var mapped = 0
    /// Source tensors deliberately not carried, by category (`optimizer-state`, `bookkeeping`, …).
    public var unused: [String: [String]] = [:]
    /// Reasons the table gives per unused category.
    public var unusedReasons: [String: String] = [:]
    /// Source tensors no rule knows.
    public var unknown: [String] = []
    /// Source tensors a rule names but no node of the model consumes (e.g. deformable-conv
    /// offsets on a plain ResNet), by their source names.
    public var unconsumed: [String] = []
    /// Groups with some tensors missing (e.g. a BatchNorm without its Scale layer).
    public var incomplete: [NameMapping.Incomplete] = []
    /// Target tensors the target model needs but the source did not provide.
    public var missing: [String] = []
    /// Missing target tensors the user allowed with `--allow-missing`.
    public var allowedMissing: [String] = []
    /// Canonical tensors the target convention has no name for (e.g. a keypoint head in mmdet).
    public var notRepresentable: [String] = []
    /// Tensors present on both sides with different shapes: (name, source shape, target shape).
    public var shapeMismatches: [(name: String, source: [Int], target: [Int])] = []
    /// Values invented or changed, and semantic disagreements between conventions.
    public var notes: [String] = []
    public var warnings: [String] = []

    public init() {}

    mutating func absorb(_ mapping: NameMapping) {
        for item in mapping.unused {
            unused[item.category, default: []].append(item.name)
            if let reason = item.reason { unusedReasons[item.category] = reason }
        }
        unknown += mapping.unknown
        incomplete += mapping.incomplete
    }
}
