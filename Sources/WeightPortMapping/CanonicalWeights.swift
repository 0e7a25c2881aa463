import WeightPortCore

/// Tensors under canonical (hub) names, plus what the hub must know about them that the
/// tensors alone do not say: each BatchNorm's epsilon, and what was changed on the way in.
public struct CanonicalWeights: Sendable {
    public var tensors: StateDict
    /// Epsilon of every norm that has running statistics, by norm path (`res2.0.conv1.norm`).
    public var normEps: [String: Double]
    /// Canonical name → the source tensor names it came from.
    public var sources: [String: [String]]
    /// Canonical name → how its values differ from the source's (absent when copied unchanged).
    public var transforms: [String: String]
    /// Values that had to be invented or approximated, for the report.
    public var notes: [String]

    public init(tensors: StateDict = StateDict(), normEps: [String: Double] = [:], sources: [String: [String]] = [:],
                transforms: [String: String] = [:], notes: [String] = []) {
        self.tensors = tensors
        self.normEps = normEps
        self.sources = sources
        self.transforms = transforms
        self.notes = notes
    }

    /// Paths of every norm (`….norm`) present, in first-seen order.
    public var normPaths: [String] {
        var seen = Set<String>()
        return tensors.names.compactMap { name in
            guard name.hasSuffix(".norm.weight") else { return nil }
            let path = String(name.dropLast(".weight".count))
            return seen.insert(path).inserted ? path : nil
        }
    }
}
