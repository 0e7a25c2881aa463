/// One value of a training config a checkpoint carries, read as data: mmdetection's Python text
/// (`dict(...)`, `{…}`, lists, tuples, literals) and Detectron's YAML both come down to these.
///
/// Nothing is ever evaluated. Text that is not a plain literal (an expression, a call other
/// than `dict`, an f-string, a variable reference) is kept as `.opaque` with its source text,
/// so a reader can say exactly what it could not use.
public indirect enum ConfigValue: Sendable, Equatable {
    /// One `key=value` / `'key': value` entry of a dict, in file order.
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: ConfigValue

        public init(key: String, value: ConfigValue) {
            self.key = key
            self.value = value
        }
    }

    case dict([Entry])
    case list([ConfigValue])
    case tuple([ConfigValue])
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case none
    /// Source text WeightPort does not evaluate.
    case opaque(String)

    /// The value under `key` of a dict (the last one, as Python keeps for repeated keys).
    public subscript(key: String) -> ConfigValue? {
        guard case .dict(let entries) = self else { return nil }
        return entries.last { $0.key == key }?.value
    }

    /// The value at a dotted path of dict keys (`roi_head.bbox_roi_extractor.roi_layer`).
    public func at(_ path: String) -> ConfigValue? {
        var current: ConfigValue? = self
        for key in path.split(separator: ".") { current = current?[String(key)] }
        return current
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Integers, and floats with no fraction (YAML and Python both write `7` or `7.0`).
    public var int: Int? {
        switch self {
        case .int(let i): return i
        case .float(let f) where f == f.rounded() && abs(f) < 1e15: return Int(f)
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let f): return f
        default: return nil
        }
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// Items of a list or tuple.
    public var items: [ConfigValue]? {
        switch self {
        case .list(let items), .tuple(let items): return items
        default: return nil
        }
    }

    public var isOpaque: Bool {
        if case .opaque = self { return true }
        return false
    }

    public var isNone: Bool { self == .none }

    /// Numbers of a (possibly nested) list or tuple, flattened: Detectron writes
    /// `PIXEL_MEANS: [[[102.98, 115.95, 122.77]]]`.
    public var flatNumbers: [Double]? {
        if let number = double { return [number] }
        guard let items else { return nil }
        var out: [Double] = []
        for item in items {
            guard let numbers = item.flatNumbers else { return nil }
            out += numbers
        }
        return out
    }

    /// The value as Python would print it, for reports (`dict(type='RoIAlign', output_size=7)`).
    public var description: String {
        switch self {
        case .dict(let entries): return "dict(" + entries.map { "\($0.key)=\($0.value.description)" }.joined(separator: ", ") + ")"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .string(let s): return "'" + s + "'"
        case .int(let i): return String(i)
        case .float(let f): return String(f)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .opaque(let text): return text
        }
    }
}
