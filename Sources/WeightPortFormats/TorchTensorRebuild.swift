import WeightPortCore

/// Turns torch's pickled rebuild records (`_rebuild_tensor_v2`, `_rebuild_parameter`, …;
/// FORMATS.md §4.3) into tensor views over their storages.
enum TorchTensorRebuild {
    static let tensorFunctions: Set<String> = ["torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3"]
    static let parameterFunctions: Set<String> = ["torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state"]
    static let fromType = "torch._tensor._rebuild_from_type_v2"
    /// Classes applied to an already rebuilt tensor (NEWOBJ of a Parameter, as some writers emit).
    static let wrapperClasses: Set<String> = ["torch.nn.parameter.Parameter", "torch.Tensor"]

    static func handles(_ object: PickleObject) -> Bool {
        let name = object.global.qualifiedName
        if wrapperClasses.contains(name), case .object(let inner)? = object.args.first { return handles(inner) }
        return tensorFunctions.contains(name) || parameterFunctions.contains(name) || name == fromType
    }

    static func tensor(_ object: PickleObject, name: String) throws -> Tensor {
        try tensor(object.global, object.args, name: name, level: 0)
    }

    static func tensor(_ global: PickleGlobal, _ args: [PickleValue], name: String, level: Int) throws -> Tensor {
        guard level < 8 else { throw FormatError.malformed("tensor '\(name)' wraps rebuild records too deeply", offset: nil) }
        let function = global.qualifiedName
        if parameterFunctions.contains(function) || wrapperClasses.contains(function) {
            guard case .object(let inner)? = args.first else {
                throw FormatError.malformed("parameter '\(name)' holds \(args.first?.kindDescription ?? "nothing")", offset: nil)
            }
            return try tensor(inner.global, inner.args, name: name, level: level + 1)
        }
        if function == fromType {
            // _rebuild_from_type_v2(func, type, args, state): apply func to args.
            guard args.count >= 3, case .global(let inner) = args[0], let innerArgs = args[2].sequence else {
                throw FormatError.malformed("tensor '\(name)': malformed _rebuild_from_type_v2", offset: nil)
            }
            return try tensor(inner, innerArgs, name: name, level: level + 1)
        }
        guard tensorFunctions.contains(function) else {
            throw FormatError.unsupported("tensor '\(name)' rebuilt by \(function)", offset: nil)
        }
        return try rebuild(args, v3: function.hasSuffix("_v3"), name: name)
    }

    /// `(storage, storage_offset, size, stride, …[, dtype for v3])`.
    static func rebuild(_ args: [PickleValue], v3: Bool, name: String) throws -> Tensor {
        guard args.count >= 4, case .storage(let storage) = args[0] else {
            throw FormatError.malformed("tensor '\(name)' does not reference a storage", offset: nil)
        }
        guard let offset = args[1].intValue, offset >= 0 else {
            throw FormatError.malformed("tensor '\(name)' has a bad storage offset", offset: nil)
        }
        let shape = try sizes(args[2], name: name)
        let strides = try sizes(args[3], name: name)
        try CheckpointShapeGuard.check(shape: shape, offset: offset, name: name)
        guard strides.allSatisfy({ abs($0) <= CheckpointShapeGuard.maxOffset }) else {
            throw FormatError.malformed("tensor '\(name)' has strides \(strides)", offset: nil)
        }
        var dtype = storage.dtype
        if v3 {
            guard args.count >= 7, case .global(let global) = args[6], let named = PickleAllowList.torchDType(global) else {
                throw FormatError.malformed("tensor '\(name)': _rebuild_tensor_v3 without a dtype", offset: nil)
            }
            dtype = named
        }
        guard let dtype else { throw FormatError.malformed("tensor '\(name)' has an untyped storage and no dtype", offset: nil) }
        guard let region = storage.region else {
            throw FormatError.malformed("tensor '\(name)': storage '\(storage.key)' has no data", offset: nil)
        }
        return try Tensor(dtype: dtype, shape: shape, strides: strides, offset: offset,
                          byteOrder: dtype.size == 1 ? .little : storage.byteOrder, storage: region, name: name)
    }

    /// A size or stride tuple (or `torch.Size`) as element counts.
    static func sizes(_ value: PickleValue, name: String) throws -> [Int] {
        var items = value.sequence
        if case .object(let object) = value, object.global.qualifiedName == "torch.Size" {
            items = object.args.first?.sequence
        }
        guard let items else { throw FormatError.malformed("tensor '\(name)' has a bad size or stride", offset: nil) }
        return try items.map { item in
            guard let n = item.intValue else { throw FormatError.malformed("tensor '\(name)' has a non-integer size", offset: nil) }
            return n
        }
    }

    /// The element type of a storage class global, or nil for `UntypedStorage` (bytes).
    static func storageType(_ value: PickleValue, offset: Int) throws -> DType? {
        guard case .global(let global) = value else {
            throw FormatError.malformed("torch storage type is \(value.kindDescription)", offset: offset)
        }
        if let dtype = PickleAllowList.storageDType(global) { return dtype }
        if global.qualifiedName == "torch.storage.UntypedStorage" { return nil }
        throw FormatError.unsupported("torch storage type \(global.qualifiedName)", offset: offset)
    }
}
