import WeightPortCore

/// How a state dict under canonical names lines up with a tree's parameters.
public struct ParameterCheck: Sendable, Equatable {
    /// A parameter present with another shape than the architecture's.
    public struct ShapeMismatch: Sendable, Equatable {
        public let path: String
        public let expected: [Int]
        public let found: [Int]

        public init(path: String, expected: [Int], found: [Int]) {
            self.path = path
            self.expected = expected
            self.found = found
        }
    }

    /// Parameters of the tree the state dict lacks, in tree order.
    public var missing: [String]
    /// Names in the state dict the tree does not have, in file order (`num_batches_tracked` excepted:
    /// bookkeeping that never changes a number).
    public var unexpected: [String]
    public var mismatched: [ShapeMismatch]

    /// True when names and shapes match one to one.
    public var isExact: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }

    /// Compares `stateDict` with `expected`.
    public init(_ stateDict: StateDict, expected: [ParameterSpec]) {
        self.init(shapes: stateDict.map { ($0.name, $0.tensor.shape) }, expected: expected)
    }

    /// Compares `(name, shape)` pairs, in file order, with `expected`.
    public init(shapes: [(String, [Int])], expected: [ParameterSpec]) {
        let expectedPaths = Set(expected.map(\.path))
        let found = Dictionary(shapes, uniquingKeysWith: { first, _ in first })
        missing = []
        mismatched = []
        for parameter in expected {
            guard let shape = found[parameter.path] else { missing.append(parameter.path); continue }
            if shape != parameter.shape {
                mismatched.append(ShapeMismatch(path: parameter.path, expected: parameter.shape, found: shape))
            }
        }
        unexpected = shapes.map(\.0).filter { !expectedPaths.contains($0) && !$0.hasSuffix("num_batches_tracked") }
    }
}
