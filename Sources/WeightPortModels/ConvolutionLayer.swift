/// A convolution of the canonical tree, with its optional norm (`<path>.norm.*`).
public struct ConvolutionLayer: Sendable, Equatable {
    /// Canonical path of the conv, e.g. `res3.0.conv2`; parameters are `<path>.weight` etc.
    public var path: String
    public var inChannels: Int
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public var dilation: Int
    public var groups: Int
    /// The conv has its own bias (FPN convs, MSRA `conv1`).
    public var hasBias: Bool
    public var norm: NormSpec?

    public init(path: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, hasBias: Bool = false, norm: NormSpec? = nil) {
        self.path = path
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.hasBias = hasBias
        self.norm = norm
    }

    /// Weight shape `[out, in / groups, k, k]`, as PyTorch and Caffe2 store it.
    public var weightShape: [Int] { [outChannels, inChannels / groups, kernel, kernel] }

    /// Canonical path of the norm's parameters' parent.
    public var normPath: String { path + ".norm" }

    /// The conv's parameters, then its norm's.
    public var parameters: [ParameterSpec] {
        var result = [ParameterSpec(path: path + ".weight", shape: weightShape, role: .convWeight)]
        if hasBias { result.append(ParameterSpec(path: path + ".bias", shape: [outChannels], role: .convBias)) }
        guard let norm else { return result }
        let roles: [String: ParameterSpec.Role] = [
            "weight": .normWeight, "bias": .normBias, "running_mean": .normRunningMean, "running_var": .normRunningVar,
        ]
        for suffix in norm.parameterNames {
            result.append(ParameterSpec(path: normPath + "." + suffix, shape: [outChannels], role: roles[suffix] ?? .normWeight))
        }
        return result
    }

    /// Spatial output size for an input of `size` (PyTorch's floor rule).
    public func outputSize(_ size: Int) -> Int {
        (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    }
}
