/// One head's RoIAlign: output size and sampling ratio (≤ 0: adaptive, `ceil(roi / size)`).
public struct PoolerSetting: Codable, Sendable, Equatable {
    public var resolution: Int
    public var samplingRatio: Int

    public init(resolution: Int, samplingRatio: Int) {
        self.resolution = resolution
        self.samplingRatio = samplingRatio
    }
}
