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
        let expectedPaths = Set(expected.map(\.path))
        missing = []
        mismatched = []
        for parameter in expected {
            guard let tensor = stateDict[parameter.path] else { missing.append(parameter.path); continue }
            if tensor.shape != parameter.shape {
                mismatched.append(ShapeMismatch(path: parameter.path, expected: parameter.shape, found: tensor.shape))
            }
        }
        unexpected = stateDict.names.filter { !expectedPaths.contains($0) && !$0.hasSuffix("num_batches_tracked") }
    }
}

extension ResNet {
    /// Checks a state dict under canonical names against this tree's parameters.
    public func check(_ stateDict: StateDict) -> ParameterCheck { ParameterCheck(stateDict, expected: parameters) }
}
