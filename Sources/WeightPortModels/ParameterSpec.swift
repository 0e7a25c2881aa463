/// One parameter of the canonical tree: its detectron2-style path, shape and role.
public struct ParameterSpec: Codable, Sendable, Equatable, Hashable {
    /// What a parameter is for; mapping transforms and writers dispatch on it.
    public enum Role: String, Codable, Sendable {
        case convWeight = "conv_weight"
        case convBias = "conv_bias"
        case normWeight = "norm_weight"
        case normBias = "norm_bias"
        case normRunningMean = "norm_running_mean"
        case normRunningVar = "norm_running_var"
        case linearWeight = "linear_weight"
        case linearBias = "linear_bias"
    }

    /// Canonical path, e.g. `res2.0.conv1.norm.running_var`.
    public var path: String
    public var shape: [Int]
    public var role: Role

    public init(path: String, shape: [Int], role: Role) {
        self.path = path
        self.shape = shape
        self.role = role
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}
