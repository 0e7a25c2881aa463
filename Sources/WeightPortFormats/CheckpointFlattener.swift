import WeightPortCore

/// Flattens an unpickled object into named tensors (dotted key paths) and a record of every
/// other leaf, shared by the Detectron/NumPy pickle, torch zip and torch legacy readers.
///
/// Nothing is dropped silently: ints, strings, numpy scalars, lists of numbers and unknown
/// records all land in `entries` under their path.
public struct CheckpointFlattener {
    public private(set) var tensors: [(String, Tensor)] = []
    /// Non-tensor leaves by path, as JSON.
    public private(set) var entries: [(String, JSONValue)] = []
    private var seen: Set<String> = []
    /// Work done so far. A pickle can share one container many times over (each level of a
    /// small file referring twice to the level below), which a tree walk would expand
    /// exponentially; these budgets turn that into an error.
    private var visits = 0
    private var pathCharacters = 0
    static let maxVisits = 1_000_000
    static let maxPathCharacters = 16 << 20
    static let maxPathLength = 8192
    /// Longest text kept for a string leaf; longer ones are shortened with their length noted.
    static let maxText = 240
    static let maxInlineList = 64
    /// Deepest nesting walked. Lower than the unpickler's limit because the walk recurses and
    /// readers may run on threads with small stacks; real checkpoints nest under 20 levels.
    static let maxLevel = 200

    public init() {}

    /// Adds everything under `value`, naming it `path` (empty for the root).
    public mutating func add(_ value: PickleValue, path: String) throws {
        try walk(value, path: path, level: 0)
    }

    /// The tensor a value stands for, if it is a numpy array or a torch tensor/parameter.
    public static func tensor(_ value: PickleValue, name: String) throws -> Tensor? {
        guard case .object(let object) = value else { return nil }
        if TorchTensorRebuild.handles(object) { return try TorchTensorRebuild.tensor(object, name: name) }
        if NumpyPickleArray.handles(object) && !NumpyPickleArray.isScalar(object) {
            return try NumpyPickleArray.tensor(object, name: name)
        }
        return nil
    }

    private mutating func walk(_ value: PickleValue, path: String, level: Int) throws {
        guard level <= CheckpointFlattener.maxLevel else {
            throw FormatError.limitExceeded("checkpoint nested deeper than \(CheckpointFlattener.maxLevel) levels", offset: nil)
        }
        visits += 1
        pathCharacters += path.utf8.count
        guard visits <= CheckpointFlattener.maxVisits, pathCharacters <= CheckpointFlattener.maxPathCharacters,
              path.utf8.count <= CheckpointFlattener.maxPathLength else {
            throw FormatError.limitExceeded("checkpoint has too many entries or too long key paths (shared containers?)", offset: nil)
        }
        if let tensor = try CheckpointFlattener.tensor(value, name: path) {
            try addTensor(tensor, path.isEmpty ? "tensor" : path)
            return
        }
        switch value {
        case .dict(let dict) where dict.count > 0:
            for (key, child) in dict.pairs {
                try walk(child, path: CheckpointFlattener.join(path, CheckpointFlattener.keyName(key)), level: level + 1)
            }
        case .list, .tuple:
            let items = value.sequence ?? []
            if let inline = CheckpointFlattener.inlineList(items) {
                addEntry(path, inline)
            } else {
                for (index, child) in items.enumerated() {
                    try walk(child, path: CheckpointFlattener.join(path, String(index)), level: level + 1)
                }
            }
        default:
            addEntry(path, try CheckpointFlattener.describe(value, name: path))
        }
    }

    private mutating func addTensor(_ tensor: Tensor, _ name: String) throws {
        guard seen.insert(name).inserted else {
            throw FormatError.malformed("two tensors are both named '\(name)'", offset: nil)
        }
        tensors.append((name, tensor))
    }

    private mutating func addEntry(_ path: String, _ value: JSONValue) {
        entries.append((path.isEmpty ? "(root)" : path, value))
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// Dict keys as names: str, Python 2 byte strings (latin-1), ints and other small values.
    static func keyName(_ key: PickleValue) -> String {
        switch key {
        case .string, .bytes: return key.text ?? ""
        case .int(let i): return String(i)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .float(let f): return String(f)
        case .tuple(let t): return t.items.map(keyName).joined(separator: ",")
        default: return key.kindDescription
        }
    }

    /// A list or tuple of plain scalars, kept as one JSON array.
    static func inlineList(_ items: [PickleValue]) -> JSONValue? {
        guard items.count <= maxInlineList else { return nil }
        var out: [JSONValue] = []
        for item in items {
            guard let scalar = plainScalar(item) else { return nil }
            out.append(scalar)
        }
        return .array(out)
    }

    static func plainScalar(_ value: PickleValue) -> JSONValue? {
        switch value {
        case .none: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let f): return .double(f)
        case .string(let s): return .string(s.count > maxText ? String(s.prefix(maxText)) + "… (\(s.count) characters)" : s)
        default: return nil
        }
    }

    /// A JSON value or short description for a non-tensor leaf.
    static func describe(_ value: PickleValue, name: String) throws -> JSONValue {
        if let scalar = plainScalar(value) { return scalar }
        switch value {
        case .dict: return .object([])
        case .bigInt(let bytes): return .string("int of \(bytes.count) bytes")
        case .complex(let re, let im): return .array([.double(re), .double(im)])
        case .bytes(let region):
            if let text = value.text, region.count <= maxText, region.bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x0A }) {
                return .string(text)
            }
            return .string("bytes[\(region.count)]")
        case .object(let object):
            return try describeObject(object, name: name)
        default: return .string(value.kindDescription)
        }
    }

    static func describeObject(_ object: PickleObject, name: String) throws -> JSONValue {
        if NumpyPickleArray.isScalar(object) { return try NumpyPickleArray.scalarValue(object, name: name) }
        switch object.global.qualifiedName {
        case "torch.device":
            let parts = object.args.compactMap { $0.text ?? $0.intValue.map(String.init) }
            return .string(parts.joined(separator: ":"))
        case "torch.Size":
            return .array(try TorchTensorRebuild.sizes(.object(object), name: name).map { .int($0) })
        default:
            return .string(object.global.qualifiedName + "(…)")
        }
    }
}
