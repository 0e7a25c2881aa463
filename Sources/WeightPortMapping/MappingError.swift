import WeightPortCore

/// Errors of mapping tables and of applying them.
public enum MappingError: Error, Sendable, Equatable {
    case invalidPattern(String)
    case invalidTable(file: String, reason: String)
    /// A mappings folder that is missing or holds no `*.yaml` table.
    case noTables(folder: String)
    case missingContext(String)
    /// A name matched two rules: a table bug, reported instead of guessing.
    case ambiguous(name: String, rules: [String])
}

extension MappingError: Diagnostic {
    public var what: String {
        switch self {
        case .invalidPattern(let reason): return "invalid name pattern: \(reason)"
        case .invalidTable(_, let reason): return "invalid mapping table: \(reason)"
        case .noTables(let folder): return "no mapping tables in \(folder)"
        case .missingContext(let what): return "the architecture does not say \(what)"
        case .ambiguous(let name, let rules): return "'\(name)' matches several rules: \(rules.joined(separator: ", "))"
        }
    }
    public var location: String? { nil }
}
