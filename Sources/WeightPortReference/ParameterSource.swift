import WeightPortCore
import WeightPortModels

/// A state dict checked against the architecture's parameters, handing out float values by path.
struct ParameterSource {
    private let stateDict: StateDict

    /// Checks that `stateDict` holds exactly `expected` (names and shapes).
    init(_ stateDict: StateDict, expected: [ParameterSpec]) throws(LoadError) {
        let check = ParameterCheck(stateDict, expected: expected)
        guard check.isExact else {
            throw .parameters(missing: check.missing, unexpected: check.unexpected, mismatched: check.mismatched)
        }
        self.stateDict = stateDict
    }

    /// Values of a parameter the initializer has checked.
    func floats(_ path: String) -> [Float] { stateDict[path]?.floats() ?? [] }
}
