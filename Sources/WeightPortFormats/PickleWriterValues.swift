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
    /// Tensors inside the value (at any depth) and their total payload bytes, for writers that
    /// reserve the output's disk space before writing.
    var tensorPayload: (count: Int, bytes: Int) {
        switch self {
        case .tensor(let t):
            return (1, t.byteCount)
        case .list(let items), .tuple(let items):
            return items.reduce((0, 0)) { sum, item in
                let p = item.tensorPayload
                return (sum.0 + p.count, sum.1 + p.bytes)
            }
        case .dict(let pairs), .orderedDict(let pairs):
            return pairs.reduce((0, 0)) { sum, pair in
                let p = pair.1.tensorPayload
                return (sum.0 + p.count, sum.1 + p.bytes)
            }
        case .string(let text):
            return (0, text.utf8.count)
        case .none, .bool, .int, .float:
            return (0, 0)
        }
    }

    /// A generous estimate of a pickle's size around `tensorPayload`: per-tensor framing
    /// (class, shape, dtype, name) plus room for the other values.
    var estimatedPickleSize: Int {
        let payload = tensorPayload
        return payload.bytes + payload.count * 512 + (1 << 16)
    }
}
