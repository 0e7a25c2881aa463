/// Named tensors in file order, as a reader found them: the neutral form every reader produces.
public struct StateDict: Sendable, Sequence {
    public private(set) var names: [String] = []
    private var tensors: [String: Tensor] = [:]

    public init() {}

    public init(_ pairs: [(String, Tensor)]) {
        for (name, tensor) in pairs { self[name] = tensor }
    }

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    /// Reading returns nil for an absent name; setting keeps the first insertion position.
    public subscript(name: String) -> Tensor? {
        get { tensors[name] }
        set {
            if let newValue {
                if tensors.updateValue(newValue, forKey: name) == nil { names.append(name) }
            } else if tensors.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    public func makeIterator() -> AnyIterator<(name: String, tensor: Tensor)> {
        var index = 0
        return AnyIterator {
            guard index < names.count else { return nil }
            defer { index += 1 }
            let name = names[index]
            return (name, tensors[name]!)
        }
    }

    /// Total bytes of all tensors' elements.
    public var byteCount: Int { tensors.values.reduce(0) { $0 + $1.byteCount } }
}
