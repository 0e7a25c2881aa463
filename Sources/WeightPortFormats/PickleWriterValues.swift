import WeightPortCore

/// A value WeightPort can pickle: the data-only subset of Python that weight files contain.
///
/// Writers turn `.tensor` leaves into their format's own encoding (a torch storage reference,
/// a numpy array); everything else maps to one Python built-in.
public indirect enum PickleWritable: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    /// Python `str`.
    case string(String)
    case list([PickleWritable])
    case tuple([PickleWritable])
    /// Python `dict` (insertion-ordered, as in Python 3.7+).
    case dict([(PickleWritable, PickleWritable)])
    /// `collections.OrderedDict`, the type of a PyTorch `state_dict()`.
    case orderedDict([(PickleWritable, PickleWritable)])
    case tensor(Tensor)

    /// An `OrderedDict` of name → tensor in the state dict's order, as `torch.save(model.state_dict())` writes.
    public static func stateDict(_ tensors: StateDict) -> PickleWritable {
        .orderedDict(tensors.map { (.string($0.name), .tensor($0.tensor)) })
    }

    /// Every tensor leaf, in the order a writer meets them.
    public var tensors: [Tensor] {
        switch self {
        case .tensor(let t): return [t]
        case .list(let items), .tuple(let items): return items.flatMap(\.tensors)
        case .dict(let pairs), .orderedDict(let pairs): return pairs.flatMap { $0.0.tensors + $0.1.tensors }
        case .none, .bool, .int, .float, .string: return []
        }
    }

    /// A plain `dict` with string keys.
    public static func stringDict(_ pairs: [(String, PickleWritable)]) -> PickleWritable {
        .dict(pairs.map { (.string($0.0), $0.1) })
    }

    /// The JSON-like metadata readers report, as pickle values (objects become dicts).
    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .float(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(PickleWritable.init))
        case .object(let pairs): self = .dict(pairs.map { (.string($0.0), PickleWritable($0.1)) })
        }
    }
}

extension PickleWritable {
    /// A generous estimate of the value's size as a pickle, for writers that reserve the
    /// output's disk space before writing: the tensors' bytes plus 512 bytes of framing each
    /// (class, shape, dtype, name), text as long as it is, and 64 KiB for everything else.
    var estimatedPickleSize: Int { contentSize + (1 << 16) }

    private var contentSize: Int {
        switch self {
        case .tensor(let t): return t.byteCount + 512
        case .string(let text): return text.utf8.count
        case .list(let items), .tuple(let items): return items.reduce(0) { $0 + $1.contentSize }
        case .dict(let pairs), .orderedDict(let pairs): return pairs.reduce(0) { $0 + $1.1.contentSize }
        case .none, .bool, .int, .float: return 0
        }
    }
}
