import WeightPortCore

/// What `weightport inspect` shows about one file, as data: the CLI renders it as a table or JSON.
public struct InspectionReport: Sendable {
    /// One tensor: name, dtype, shape, size and, when asked for, its statistics.
    public struct Entry: Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public let bytes: Int
        public let statistics: TensorStatistics?
    }

    public let path: String
    public let format: String
    public let entries: [Entry]
    public let metadata: [(String, JSONValue)]

    /// Builds the report; with `statistics`, computes min/max/mean/std of every tensor on all cores.
    public init(path: String, file: WeightFile, statistics: Bool, progress: ProgressSink? = nil) {
        self.path = path
        format = file.format
        metadata = file.metadata
        let tensors = file.tensors.map { $0.tensor }
        let stats: [TensorStatistics?] = statistics
            ? TensorStatistics.compute(tensors, progress: progress).map { Optional($0) }
            : Array(repeating: nil, count: tensors.count)
        entries = zip(file.tensors, stats).map { item, stat in
            Entry(name: item.name, dtype: item.tensor.dtype, shape: item.tensor.shape,
                  bytes: item.tensor.byteCount, statistics: stat)
        }
    }

    public var totalBytes: Int { entries.reduce(0) { $0 + $1.bytes } }

    /// `{"format", "tensors": [{"name","dtype","shape","bytes"[,"min","max","mean","std"]}], "metadata"}`.
    public var json: JSONValue {
        .object([
            ("format", .string(format)),
            ("tensors", .array(entries.map(Self.json))),
            ("metadata", .object(metadata)),
        ])
    }

    static func json(_ entry: Entry) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("name", .string(entry.name)),
            ("dtype", .string(entry.dtype.rawValue)),
            ("shape", .array(entry.shape.map { .int($0) })),
            ("bytes", .int(entry.bytes)),
        ]
        if let s = entry.statistics {
            pairs += [("min", .double(s.min)), ("max", .double(s.max)), ("mean", .double(s.mean)), ("std", .double(s.std))]
        }
        return .object(pairs)
    }
}
