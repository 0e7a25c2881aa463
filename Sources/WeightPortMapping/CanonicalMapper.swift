import WeightPortCore

/// Moves tensors between a convention's names and the hub's, applying each rule's transform.
public enum CanonicalMapper {
    /// Per-group transform parameters, e.g. Caffe's per-layer eps looked up by foreign name.
    public typealias ParameterLookup = @Sendable (NameMapping.Group) -> GroupTransform.Parameters

    /// Source tensors (foreign names) → hub tensors.
    public static func toCanonical(_ tensors: StateDict, table: MappingTable, context: MappingContext,
                                   parameters: ParameterLookup? = nil) throws -> (CanonicalWeights, MappingReport) {
        let mapping = try NameMapper.map(tensors.names, table: table, context: context, direction: .foreignToCanonical)
        return try toCanonical(tensors, table: table, mapping: mapping, parameters: parameters)
    }

    /// `toCanonical` with the names already mapped (`NameMapper.map` of `tensors.names` under
    /// the table and context, as detection computes while scoring), so they are not mapped twice.
    public static func toCanonical(_ tensors: StateDict, table: MappingTable, mapping: NameMapping,
                                   parameters: ParameterLookup? = nil) throws -> (CanonicalWeights, MappingReport) {
        var report = MappingReport()
        report.absorb(mapping)
        var weights = CanonicalWeights()
        // A convention that declares no eps (the hub's own names) leaves it to the architecture.
        let declaredEps = table.semantics.normEps
        for group in mapping.groups {
            var slots: [String: Tensor] = [:]
            for (slot, name) in group.foreign { slots[slot] = tensors[name] }
            let groupParameters = parameters?(group) ?? GroupTransform.Parameters(eps: declaredEps ?? 1e-5)
            let knownEps = parameters != nil || declaredEps != nil
            let outcome = try GroupTransform.toCanonical(group.rule.transform, slots, groupParameters)
            let sources = group.foreign.values.sorted()
            for (slot, tensor) in outcome.tensors {
                guard let name = group.canonical[slot] else { continue }
                weights.tensors[name] = tensor
                weights.sources[name] = sources
                if group.rule.transform != "identity" { weights.transforms[name] = group.rule.transform }
                if name.hasSuffix(".norm.running_var") && knownEps {
                    weights.normEps[String(name.dropLast(".running_var".count))] = groupParameters.eps
                }
            }
            for note in outcome.invented {
                let slots = outcome.tensors.keys.sorted().filter { outcome.notedSlots?.contains($0) ?? true }
                weights.notes += slots.compactMap { group.canonical[$0] }.map { "\($0): \(note)" }
            }
            report.mapped += group.foreign.count
        }
        report.notes = weights.notes
        return (weights, report)
    }

    /// Hub tensors → a convention's names. Canonical tensors the table cannot express are
    /// returned in the report's `unknown`.
    public static func toForeign(_ weights: CanonicalWeights, table: MappingTable,
                                 context: MappingContext) throws -> (StateDict, [String: String], MappingReport) {
        let mapping = try NameMapper.map(weights.tensors.names, table: table, context: context, direction: .canonicalToForeign)
        var report = MappingReport()
        report.unknown = mapping.unknown
        report.incomplete = mapping.incomplete
        var out = StateDict()
        var sourceOf: [String: String] = [:]
        for group in mapping.groups {
            var slots: [String: Tensor] = [:]
            for (slot, name) in group.canonical { slots[slot] = weights.tensors[name] }
            let outcome = try GroupTransform.toForeign(group.rule.transform, slots, .init())
            for (slot, tensor) in outcome.tensors {
                guard let name = group.foreign[slot] else { continue }
                out[name] = tensor
                sourceOf[name] = group.canonical.values.sorted().joined(separator: ",")
            }
            for note in outcome.invented {
                report.notes += outcome.tensors.keys.sorted().compactMap { group.foreign[$0] }.map { "\($0): \(note)" }
            }
            report.mapped += group.canonical.count
        }
        return (out, sourceOf, report)
    }
}
