import CHDF5
import WeightPortCore

/// How an HDF5 element type maps to a WeightPort dtype, and the memory type to read it as.
struct HDF5ElementType {
    /// What wp_h5_describe reports about a dataset or attribute.
    struct Description {
        var typeClass: Int32 = 0
        var size = 0
        var isSigned = false
        var isBoolEnum = false
        var isVariableString = false
        var shape: [Int] = []
        /// Element count, checked for overflow when the description is read.
        var count = 1

        var isString: Bool { typeClass == Int32(WP_H5_CLASS_STRING) }
    }

    let dtype: DType
    /// A WP_H5_* code: numbers are converted by libhdf5 to this little-endian host type.
    let memoryCode: Int32

    /// Reads the type and dataspace of `object`.
    static func describe(_ object: wp_hid_t, isAttribute: Bool, path: String) throws -> Description {
        var d = Description()
        var size = 0
        var signed: Int32 = 0, boolEnum: Int32 = 0, variable: Int32 = 0, rank: Int32 = 0
        var dims = [UInt64](repeating: 0, count: 32)
        try HDF5Library.check(wp_h5_describe(object, isAttribute ? 1 : 0, &d.typeClass, &size, &signed, &boolEnum,
                                             &variable, &rank, &dims), "read the type of", path: path)
        d.size = size
        d.isSigned = signed != 0
        d.isBoolEnum = boolEnum != 0
        d.isVariableString = variable != 0
        d.shape = try dims.prefix(Int(rank)).map { dim in
            guard dim < UInt64(1) << 48 else { throw HDF5Error.limitExceeded("dimension \(dim)", path: path) }
            return Int(dim)
        }
        for dim in d.shape {
            let (product, overflow) = d.count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw HDF5Error.limitExceeded("dataspace \(d.shape) has too many elements", path: path) }
            d.count = product
        }
        return d
    }

    /// The dtype of a numeric description; throws for types WeightPort does not read.
    init(_ d: Description, path: String) throws {
        switch (Int(d.typeClass), d.size) {
        case (Int(WP_H5_CLASS_INTEGER), 1): self.init(d.isSigned ? .int8 : .uint8, d.isSigned ? WP_H5_INT8 : WP_H5_UINT8)
        case (Int(WP_H5_CLASS_INTEGER), 2): self.init(d.isSigned ? .int16 : .uint16, d.isSigned ? WP_H5_INT16 : WP_H5_UINT16)
        case (Int(WP_H5_CLASS_INTEGER), 4): self.init(d.isSigned ? .int32 : .uint32, d.isSigned ? WP_H5_INT32 : WP_H5_UINT32)
        case (Int(WP_H5_CLASS_INTEGER), 8): self.init(d.isSigned ? .int64 : .uint64, d.isSigned ? WP_H5_INT64 : WP_H5_UINT64)
        case (Int(WP_H5_CLASS_FLOAT), 2): self.init(.float16, WP_H5_FLOAT16)
        case (Int(WP_H5_CLASS_FLOAT), 4): self.init(.float32, WP_H5_FLOAT32)
        case (Int(WP_H5_CLASS_FLOAT), 8): self.init(.float64, WP_H5_FLOAT64)
        case (Int(WP_H5_CLASS_ENUM), 1) where d.isBoolEnum: self.init(.bool, WP_H5_BOOL)
        // bfloat16 has no HDF5 type: ml_dtypes/Keras store it as 2-byte opaque values.
        case (Int(WP_H5_CLASS_OPAQUE), 2): self.init(.bfloat16, WP_H5_BFLOAT16)
        default:
            throw HDF5Error.unsupported("element type (class \(d.typeClass), \(d.size) bytes) is not bool, integer, float or 2-byte opaque (bfloat16)", path: path)
        }
    }

    init(_ dtype: DType, _ memoryCode: Int) {
        self.dtype = dtype
        self.memoryCode = Int32(memoryCode)
    }

    /// The WP_H5_* code used to write `dtype`, nil when HDF5 (as WeightPort writes it) cannot hold it.
    static func code(for dtype: DType) -> Int32? {
        let codes: [DType: Int] = [
            .int8: Int(WP_H5_INT8), .uint8: Int(WP_H5_UINT8), .int16: Int(WP_H5_INT16), .uint16: Int(WP_H5_UINT16),
            .int32: Int(WP_H5_INT32), .uint32: Int(WP_H5_UINT32), .int64: Int(WP_H5_INT64), .uint64: Int(WP_H5_UINT64),
            .float32: Int(WP_H5_FLOAT32), .float64: Int(WP_H5_FLOAT64), .float16: Int(WP_H5_FLOAT16),
            .bool: Int(WP_H5_BOOL), .bfloat16: Int(WP_H5_BFLOAT16),
        ]
        return codes[dtype].map { Int32($0) }
    }
}
