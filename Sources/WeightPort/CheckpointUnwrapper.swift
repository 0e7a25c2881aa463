import WeightPortCore

/// Finds the model's weights inside a training checkpoint.
///
/// Readers name tensors by their key path, so `{'model': sd, 'optimizer': …}` arrives as
/// `model.conv1.weight`, `optimizer.state.0.momentum_buffer`, … The weights are the tensors under
/// the first container key that holds any (the tables declare them: `state_dict`, `model`, …),
/// with that prefix removed; everything else is checkpoint state, reported, never silently dropped.
public enum CheckpointUnwrapper {
    /// The weights found, the container key they were under, and what else the checkpoint held.
    public struct Result: Sendable {
        public var weights: StateDict
        /// The container key the weights came from, nil for a bare state dict.
        public var container: String?
        /// Tensors outside it (optimizer state, EMA copies, …), by their full names.
        public var others: [String]
    }

    public static func unwrap(_ tensors: StateDict, containers: [String]) -> Result {
        for key in containers {
            let prefix = key + "."
            let inside = tensors.names.filter { $0.hasPrefix(prefix) }
            guard !inside.isEmpty else { continue }
            var weights = StateDict()
            for name in inside { weights[String(name.dropFirst(prefix.count))] = tensors[name] }
            let others = tensors.names.filter { !$0.hasPrefix(prefix) }
            return Result(weights: weights, container: key, others: others)
        }
        return Result(weights: tensors, container: nil, others: [])
    }

}
