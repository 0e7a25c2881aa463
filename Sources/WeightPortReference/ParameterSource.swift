import WeightPortCore
import WeightPortModels

/// A state dict checked against the architecture's parameters, handing out float values by path.
struct ParameterSource {
    private let stateDict: StateDict

    /// Checks that `stateDict` holds exactly `expected` (names and shapes); `num_batches_tracked`
    /// bookkeeping is tolerated because it never changes a number.
    init(_ stateDict: StateDict, expected: [ParameterSpec]) throws(LoadError) {
        let expectedPaths = Set(expected.map(\.path))
        var missing: [String] = [], mismatched: [LoadError.ShapeMismatch] = []
        for parameter in expected {
            guard let tensor = stateDict[parameter.path] else { missing.append(parameter.path); continue }
            if tensor.shape != parameter.shape {
                mismatched.append(.init(path: parameter.path, expected: parameter.shape, found: tensor.shape))
            }
        }
        let unexpected = stateDict.names.filter { !expectedPaths.contains($0) && !$0.hasSuffix("num_batches_tracked") }
        guard missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty else {
            throw .parameters(missing: missing, unexpected: unexpected, mismatched: mismatched)
        }
        self.stateDict = stateDict
    }

    /// Values of a parameter the initializer has checked.
    func floats(_ path: String) -> [Float] { stateDict[path]?.floats() ?? [] }
}
