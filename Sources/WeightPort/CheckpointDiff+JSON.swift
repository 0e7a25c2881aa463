import WeightPortCore

extension CheckpointDiff {
    /// The comparison as the one JSON object `diff --json` prints (keys documented in the README):
    /// `{"same", "tolerance", "a", "b", "only_in_a", "only_in_b", "shape_mismatches",
    /// "differing", "tensors": [{"name", "shape", "max_abs", "max_rel", "compared", "within_tolerance",
    /// "transform", "sources_a", "sources_b"}], "warnings"}`.
    public static func json(_ outcome: Outcome) -> JSONValue {
        func strings(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }
        func shape(_ dims: [Int]) -> JSONValue { .array(dims.map { .int($0) }) }
        func side(_ s: Side) -> JSONValue {
            .object([
                ("path", .string(s.path)), ("format", .string(s.format)), ("convention", .string(s.convention)),
                ("architecture", .string(s.architecture)),
                ("not_compared", .object(s.notCompared.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ])
        }
        return .object([
            ("same", .bool(outcome.same)),
            ("tolerance", .double(outcome.tolerance)),
            ("a", side(outcome.a)),
            ("b", side(outcome.b)),
            ("only_in_a", strings(outcome.onlyInA)),
            ("only_in_b", strings(outcome.onlyInB)),
            ("shape_mismatches", .array(outcome.shapeMismatches.map {
                .object([("name", .string($0.name)), ("shape_a", shape($0.shapeA)), ("shape_b", shape($0.shapeB))])
            })),
            ("differing", strings(outcome.differing.map(\.name))),
            ("tensors", .array(outcome.tensors.map { t in
                .object([
                    ("name", .string(t.name)), ("shape", shape(t.shape)),
                    ("max_abs", .double(t.maxAbsolute)), ("max_rel", .double(t.maxRelative)),
                    ("compared", .int(t.compared)), ("within_tolerance", .bool(t.withinTolerance)),
                    ("transform", t.transform.map { .string($0) } ?? .null),
                    ("sources_a", strings(t.sourcesA)), ("sources_b", strings(t.sourcesB)),
                ])
            })),
            ("warnings", strings(outcome.warnings)),
        ])
    }
}
