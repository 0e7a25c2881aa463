import WeightPortCore

/// Rebuilds NumPy arrays, dtypes and scalars from their pickled form (FORMATS.md §3) without
/// copying: the tensor views the payload bytes, in the payload's byte order and memory order.
enum NumpyPickleArray {
    static let reconstructNames: Set<String> = ["numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct"]
    static let frombufferNames: Set<String> = ["numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer"]
    static let scalarNames: Set<String> = ["numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar"]

    /// True for the globals this type interprets.
    static func handles(_ object: PickleObject) -> Bool {
        let name = object.global.qualifiedName
        return reconstructNames.contains(name) || frombufferNames.contains(name) || scalarNames.contains(name)
    }

    static func isScalar(_ object: PickleObject) -> Bool { scalarNames.contains(object.global.qualifiedName) }

    /// The array an `_reconstruct` (+ BUILD state) or `_frombuffer` record stands for.
    static func tensor(_ object: PickleObject, name: String) throws -> Tensor {
        if frombufferNames.contains(object.global.qualifiedName) { return try frombuffer(object, name: name) }
        guard let state = object.state?.sequence else {
            throw FormatError.malformed("numpy array '\(name)' has no state", offset: nil)
        }
        // Version 1 states start with the version int; version 0 states are 4-tuples.
        let fields = state.count == 5 ? Array(state.dropFirst()) : state
        guard fields.count == 4 else {
            throw FormatError.malformed("numpy array '\(name)' has a \(state.count)-item state", offset: nil)
        }
        let shape = try shapeValues(fields[0], name: name)
        let (dtype, order) = try self.dtype(fields[1], name: name)
        let fortran = fields[2].intValue == 1
        let payload = try payloadBytes(fields[3], name: name)
        try checkSize(payload, dtype: dtype, shape: shape, name: name)
        let strides = fortran ? fortranStrides(shape) : Tensor.contiguousStrides(shape)
        return try Tensor(dtype: dtype, shape: shape, strides: strides, byteOrder: order, storage: payload, name: name)
    }

    /// Protocol 5: `_frombuffer(buffer, dtype, shape, order[, axis_order])`.
    static func frombuffer(_ object: PickleObject, name: String) throws -> Tensor {
        let args = object.args
        guard args.count >= 4 else { throw FormatError.malformed("numpy _frombuffer for '\(name)' has \(args.count) arguments", offset: nil) }
        let payload = try payloadBytes(args[0], name: name)
        let (dtype, order) = try self.dtype(args[1], name: name)
        let shape = try shapeValues(args[2], name: name)
        try checkSize(payload, dtype: dtype, shape: shape, name: name)
        var strides: [Int]
        var finalShape = shape
        switch args[3].text {
        case "C": strides = Tensor.contiguousStrides(shape)
        case "F": strides = fortranStrides(shape)
        case "K":
            // Buffer in C order for `shape`, then transposed by `axis_order`.
            let axes = try args.count > 4 ? shapeValues(args[4], name: name) : Array(shape.indices)
            let base = Tensor.contiguousStrides(shape)
            guard axes.sorted() == Array(shape.indices) else {
                throw FormatError.malformed("numpy _frombuffer axis order \(axes) for '\(name)'", offset: nil)
            }
            finalShape = axes.map { shape[$0] }
            strides = axes.map { base[$0] }
        default:
            throw FormatError.unsupported("numpy _frombuffer order '\(args[3].text ?? "?")' for '\(name)'", offset: nil)
        }
        return try Tensor(dtype: dtype, shape: finalShape, strides: strides, byteOrder: order, storage: payload, name: name)
    }

    /// A numpy scalar (`scalar(dtype, bytes)`) as a JSON number or bool.
    static func scalarValue(_ object: PickleObject, name: String) throws -> JSONValue {
        guard object.args.count >= 2 else { throw FormatError.malformed("numpy scalar '\(name)' lacks arguments", offset: nil) }
        let (dtype, order) = try self.dtype(object.args[0], name: name)
        let payload = try payloadBytes(object.args[1], name: name)
        let tensor = try Tensor(dtype: dtype, shape: [], byteOrder: order, storage: payload, name: name)
        let value = tensor.doubles()[0]
        switch dtype {
        case .bool: return .bool(value != 0)
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64:
            return abs(value) < 9.0e15 ? .int(Int(value)) : .double(value)
        default: return .double(value)
        }
    }

    /// Element type and byte order of a pickled `numpy.dtype`.
    static func dtype(_ value: PickleValue, name: String) throws -> (DType, ByteOrder) {
        guard case .object(let object) = value, object.global.qualifiedName == "numpy.dtype",
              let typestr = object.args.first?.text else {
            throw FormatError.malformed("numpy array '\(name)' has no dtype", offset: nil)
        }
        guard let dtype = elementType(typestr) else {
            if typestr.hasPrefix("O") { throw FormatError.unsupported("numpy object array '\(name)' (holds Python objects, not numbers)", offset: nil) }
            throw FormatError.unsupported("numpy dtype '\(typestr)' of '\(name)'", offset: nil)
        }
        let endian = object.state?.sequence.flatMap { $0.count > 1 ? $0[1].text : nil } ?? "<"
        return (dtype, endian == ">" ? .big : .little)
    }

    /// Built once: as a literal inside `elementType` the dictionary was built for every array
    /// (8% of reading a 354-array Detectron pickle's structure).
    private static let elementTypes: [String: DType] = [
        "f2": .float16, "f4": .float32, "f8": .float64, "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
        "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64, "b1": .bool, "c8": .complex64, "c16": .complex128,
    ]

    static func elementType(_ typestr: String) -> DType? { elementTypes[typestr] }

    static func shapeValues(_ value: PickleValue, name: String) throws -> [Int] {
        if let single = value.intValue { return [single] }
        guard let items = value.sequence else { throw FormatError.malformed("numpy array '\(name)' has a bad shape", offset: nil) }
        return try items.map { item in
            guard let n = item.intValue, n >= 0 else { throw FormatError.malformed("numpy array '\(name)' has a bad dimension", offset: nil) }
            return n
        }
    }

    static func payloadBytes(_ value: PickleValue, name: String) throws -> ByteRegion {
        switch value {
        case .bytes(let region): return region
        case .string(let text):
            // Python 3 reading Python 2 data with encoding='latin1' keeps such payloads as str.
            return try PickleReducer.codecsEncode([.string(text), .string("latin1")], offset: 0).bytesRegion ?? .empty
        case .list: throw FormatError.unsupported("numpy object array '\(name)' (holds Python objects, not numbers)", offset: nil)
        default: throw FormatError.malformed("numpy array '\(name)' data is \(value.kindDescription)", offset: nil)
        }
    }

    static func checkSize(_ payload: ByteRegion, dtype: DType, shape: [Int], name: String) throws {
        try CheckpointShapeGuard.check(shape: shape, name: name)
        var expected = dtype.size
        for dim in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw FormatError.malformed("numpy array '\(name)' shape \(shape) overflows", offset: nil) }
            expected = product
        }
        guard expected == payload.count else {
            throw FormatError.malformed("numpy array '\(name)': shape \(shape) of \(dtype.rawValue) needs \(expected) bytes, payload has \(payload.count)", offset: nil)
        }
    }

    static func fortranStrides(_ shape: [Int]) -> [Int] {
        var strides: [Int] = []
        var acc = 1
        for dim in shape {
            strides.append(acc)
            acc *= max(dim, 1)
        }
        return strides
    }
}

extension PickleValue {
    var bytesRegion: ByteRegion? {
        if case .bytes(let region) = self { return region }
        return nil
    }
}
