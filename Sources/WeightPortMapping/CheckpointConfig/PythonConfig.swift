/// An mmdetection config (the Python text mmengine saves as `meta['cfg']`, mmdet 2.x as
/// `meta['config']`) read as data: its top-level `name = value` assignments.
///
/// `_base_` is recorded but never followed (a checkpoint's saved config is already merged).
/// Statements that are not plain assignments (imports, `with read_base():` blocks, indented
/// code, augmented or chained assignments) are skipped; values that are not literals are
/// `.opaque`. Nothing in the text is ever executed.
public struct PythonConfig: Sendable, Equatable {
    /// One top-level assignment and the line it starts on.
    public struct Assignment: Sendable, Equatable {
        public let name: String
        public let value: ConfigValue
        public let line: Int
    }

    public let assignments: [Assignment]
    /// The files `_base_` names, as written (empty when there is none).
    public let bases: [String]

    /// Parses `text`; malformed text is a typed error with its line.
    public init(parsing text: String) throws(ConfigTextError) {
        assignments = try PythonConfigParser.assignments(in: text)
        let base = assignments.last { $0.name == "_base_" }?.value
        if let single = base?.string {
            bases = [single]
        } else {
            bases = base?.items?.compactMap(\.string) ?? []
        }
    }

    /// The value last assigned to `name` (later assignments win, as when Python runs the file).
    public subscript(name: String) -> ConfigValue? {
        assignments.last { $0.name == name }?.value
    }

    /// The value at a dotted path whose first part is a top-level name (`model.backbone.style`).
    public func value(at path: String) -> ConfigValue? {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard let first = parts.first, let root = self[first] else { return nil }
        return parts.count == 1 ? root : root.at(parts[1])
    }
}
