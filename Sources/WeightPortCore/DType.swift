/// Element types that appear in weight files, named as PyTorch names them.
public enum DType: String, Sendable, Codable, CaseIterable {
    case float32, float16, bfloat16, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool
    case complex64, complex128
    case float8_e4m3fn, float8_e5m2

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .int8, .uint8, .float8_e4m3fn, .float8_e5m2: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64, .complex64: return 8
        case .complex128: return 16
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .bfloat16, .float64, .float8_e4m3fn, .float8_e5m2: return true
        default: return false
        }
    }

    public var isComplex: Bool { self == .complex64 || self == .complex128 }
}

/// Byte order of stored element data.
public enum ByteOrder: String, Sendable, Codable {
    case little, big

    /// The byte order of the machine running WeightPort.
    public static var host: ByteOrder { 1.littleEndian == 1 ? .little : .big }
}
