/// Decodes dense host-order elements of any `DType` into Float or Double.
public enum ElementDecoder {
    /// Decodes elements `range` of a contiguous host-order tensor into `out[0..<range.count]`.
    public static func decode(_ t: Tensor, into out: UnsafeMutablePointer<Float>, range: Range<Int>) {
        let base = t.storage.base + t.offset * t.dtype.size
        switch t.dtype {
        case .float32:
            let p = base.assumingMemoryBound(to: Float.self)
            for (k, i) in range.enumerated() { out[k] = p[i] }
        default:
            for (k, i) in range.enumerated() { out[k] = Float(element(base, i, t.dtype)) }
        }
    }

    /// Decodes elements `range` of a contiguous host-order tensor into `out[0..<range.count]`.
    public static func decodeDouble(_ t: Tensor, into out: UnsafeMutablePointer<Double>, range: Range<Int>) {
        let base = t.storage.base + t.offset * t.dtype.size
        for (k, i) in range.enumerated() { out[k] = element(base, i, t.dtype) }
    }

    /// Element `i` of dense host-order data of `dtype` at `base`, as Double (real part for complex).
    @inline(__always)
    public static func element(_ base: UnsafeRawPointer, _ i: Int, _ dtype: DType) -> Double {
        switch dtype {
        case .float32: return Double(base.loadUnaligned(fromByteOffset: i * 4, as: Float.self))
        case .float64: return base.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
        case .float16: return Double(halfToFloat(base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        case .bfloat16: return Double(bfloat16ToFloat(base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        case .int8: return Double(base.load(fromByteOffset: i, as: Int8.self))
        case .uint8: return Double(base.load(fromByteOffset: i, as: UInt8.self))
        case .bool: return base.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0
        case .int16: return Double(base.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
        case .uint16: return Double(base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
        case .int32: return Double(base.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
        case .uint32: return Double(base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
        case .int64: return Double(base.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
        case .uint64: return Double(base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        case .complex64: return Double(base.loadUnaligned(fromByteOffset: i * 8, as: Float.self))
        case .complex128: return base.loadUnaligned(fromByteOffset: i * 16, as: Double.self)
        case .float8_e4m3fn: return Double(float8E4M3FNToFloat(base.load(fromByteOffset: i, as: UInt8.self)))
        case .float8_e5m2: return Double(halfToFloat(UInt16(base.load(fromByteOffset: i, as: UInt8.self)) << 8))
        }
    }

    /// IEEE half precision to Float, including subnormals, infinities and NaN.
    public static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let value = Float(mantissa) * 0x1p-24
            return sign != 0 ? -value : value
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    }

    /// bfloat16 is the upper half of a float32.
    public static func bfloat16ToFloat(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    /// float8 e4m3fn: bias 7, no infinities, 0x7F/0xFF are NaN.
    public static func float8E4M3FNToFloat(_ b: UInt8) -> Float {
        let sign: Float = b & 0x80 != 0 ? -1 : 1
        let exponent = Int((b >> 3) & 0x0F)
        let mantissa = Float(b & 0x07)
        if exponent == 15 && b & 0x07 == 0x07 { return .nan }
        if exponent == 0 { return sign * mantissa / 8 * 0x1p-6 }
        return sign * (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
    }

    /// Float to IEEE half (round to nearest even), for writers that store float16.
    public static func floatToHalf(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        var mantissa = bits & 0x7F_FFFF
        if (bits >> 23) & 0xFF == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
        if exponent >= 31 { return sign | 0x7C00 }
        if exponent <= 0 {
            if exponent < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - exponent)
            var half = mantissa >> shift
            let rest = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if rest > halfway || (rest == halfway && half & 1 == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(exponent) << 10 | (mantissa >> 13)
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && half & 1 == 1) { half += 1 }
        return sign | UInt16(truncatingIfNeeded: half)
    }
}
