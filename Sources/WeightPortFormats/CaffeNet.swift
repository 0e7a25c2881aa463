import WeightPortCore

/// A decoded Caffe `NetParameter`: the layers in file order with their blobs and the parameters
/// the weight mapping needs. Absent fields take the defaults declared in BVLC `caffe.proto`.
public struct CaffeNet: Sendable {
    public var name: String
    public var layers: [CaffeLayer]
    /// True when the layers came from the deprecated `layers` field (V1 `NetParameter`).
    public var isV1: Bool

    public init(name: String, layers: [CaffeLayer], isV1: Bool) {
        self.name = name
        self.layers = layers
        self.isV1 = isV1
    }
}

/// One layer of a Caffe net.
public struct CaffeLayer: Sendable {
    public var name: String
    /// The layer type as V2 nets spell it (`Convolution`, `BatchNorm`, …); V1 enum values are
    /// translated the way Caffe's own upgrader does (`CONVOLUTION` → `Convolution`).
    public var type: String
    public var bottoms: [String]
    public var tops: [String]
    /// The learned blobs in order; tensor `<name>/<index>` in the `WeightFile`.
    public var blobs: [Tensor]
    public var convolution: CaffeConvolutionParameter?
    public var pooling: CaffePoolingParameter?
    public var batchNorm: CaffeBatchNormParameter?
    public var scale: CaffeScaleParameter?
    public var innerProduct: CaffeInnerProductParameter?

    public init(name: String, type: String, bottoms: [String] = [], tops: [String] = [], blobs: [Tensor] = []) {
        self.name = name
        self.type = type
        self.bottoms = bottoms
        self.tops = tops
        self.blobs = blobs
    }

    /// The metadata form: `{"name","type","bottom","top","blobs": n,"params": {...}}`.
    public var json: JSONValue {
        var params: [(String, JSONValue)] = []
        if let convolution { params += convolution.jsonPairs }
        if let pooling { params += pooling.jsonPairs }
        if let batchNorm { params += batchNorm.jsonPairs }
        if let scale { params += scale.jsonPairs }
        if let innerProduct { params += innerProduct.jsonPairs }
        return .object([
            ("name", .string(name)), ("type", .string(type)),
            ("bottom", .array(bottoms.map { .string($0) })), ("top", .array(tops.map { .string($0) })),
            ("blobs", .int(blobs.count)), ("params", .object(params)),
        ])
    }
}

/// `ConvolutionParameter`; repeated fields keep every value given (one, or one per spatial axis).
public struct CaffeConvolutionParameter: Sendable, Equatable {
    public var numOutput: Int?
    public var biasTerm = true
    public var pad: [Int] = []
    public var kernelSize: [Int] = []
    public var stride: [Int] = []
    public var dilation: [Int] = []
    public var padH: Int?, padW: Int?
    public var kernelH: Int?, kernelW: Int?
    public var strideH: Int?, strideW: Int?
    public var group = 1
    public var axis = 1

    public init() {}

    var jsonPairs: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = []
        if let numOutput { pairs.append(("num_output", .int(numOutput))) }
        pairs += [("bias_term", .bool(biasTerm)), ("pad", ints(pad)), ("kernel_size", ints(kernelSize)),
                  ("stride", ints(stride)), ("dilation", ints(dilation)), ("group", .int(group)), ("axis", .int(axis))]
        let optional: [(String, Int?)] = [("pad_h", padH), ("pad_w", padW), ("kernel_h", kernelH), ("kernel_w", kernelW),
                                          ("stride_h", strideH), ("stride_w", strideW)]
        for (key, value) in optional { if let value { pairs.append((key, .int(value))) } }
        return pairs
    }
}

/// `PoolingParameter`.
public struct CaffePoolingParameter: Sendable, Equatable {
    public enum Method: String, Sendable { case max = "MAX", average = "AVE", stochastic = "STOCHASTIC" }
    /// Caffe rounds the output size up (CEIL, the default) unlike PyTorch's floor.
    public enum RoundMode: String, Sendable { case ceil = "CEIL", floor = "FLOOR" }

    public var method: Method = .max
    public var kernelSize: Int?
    public var stride = 1
    public var pad = 0
    public var kernelH: Int?, kernelW: Int?
    public var strideH: Int?, strideW: Int?
    public var padH = 0, padW = 0
    public var globalPooling = false
    public var roundMode: RoundMode = .ceil

    public init() {}

    var jsonPairs: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("pool", .string(method.rawValue))]
        if let kernelSize { pairs.append(("kernel_size", .int(kernelSize))) }
        pairs += [("stride", .int(stride)), ("pad", .int(pad)), ("global_pooling", .bool(globalPooling)),
                  ("round_mode", .string(roundMode.rawValue))]
        let optional: [(String, Int?)] = [("kernel_h", kernelH), ("kernel_w", kernelW), ("stride_h", strideH), ("stride_w", strideW),
                                          ("pad_h", padH == 0 ? nil : padH), ("pad_w", padW == 0 ? nil : padW)]
        for (key, value) in optional { if let value { pairs.append((key, .int(value))) } }
        return pairs
    }
}

/// `BatchNormParameter`. Caffe's BatchNorm keeps three blobs: mean·s, variance·s and s.
public struct CaffeBatchNormParameter: Sendable, Equatable {
    /// Absent means "use the phase" (true in TEST), so it stays optional.
    public var useGlobalStats: Bool?
    public var movingAverageFraction: Float = 0.999
    public var eps: Float = 1e-5

    public init() {}

    var jsonPairs: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("eps", .double(Double(eps))),
                                            ("moving_average_fraction", .double(Double(movingAverageFraction)))]
        if let useGlobalStats { pairs.append(("use_global_stats", .bool(useGlobalStats))) }
        return pairs
    }
}

/// `ScaleParameter`: blobs are gamma, then beta when `biasTerm`.
public struct CaffeScaleParameter: Sendable, Equatable {
    public var axis = 1
    public var numAxes = 1
    public var biasTerm = false

    public init() {}

    var jsonPairs: [(String, JSONValue)] {
        [("bias_term", .bool(biasTerm)), ("axis", .int(axis)), ("num_axes", .int(numAxes))]
    }
}

/// `InnerProductParameter`: weight `[num_output, K]`, or `[K, num_output]` when `transpose`.
public struct CaffeInnerProductParameter: Sendable, Equatable {
    public var numOutput: Int?
    public var biasTerm = true
    public var axis = 1
    public var transpose = false

    public init() {}

    var jsonPairs: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = []
        if let numOutput { pairs.append(("num_output", .int(numOutput))) }
        pairs += [("bias_term", .bool(biasTerm)), ("axis", .int(axis)), ("transpose", .bool(transpose))]
        return pairs
    }
}

private func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }
