import WeightPortCore

/// A module-qualified global name after the Python 2 → 3 renaming.
public struct PickleGlobal: Hashable, Sendable {
    public let module: String
    public let name: String
    public var qualifiedName: String { "\(module).\(name)" }
}

/// The only globals a pickle may name (FORMATS.md §2.6). Each is data-only: the unpickler maps
/// it to a Swift value or records it for a reader to interpret; nothing is imported or called.
public enum PickleAllowList {
    /// Python 2 module/name spellings that Python 3 maps back (CPython `_compat_pickle`).
    static let nameMapping: [PickleGlobal: PickleGlobal] = [
        PickleGlobal(module: "__builtin__", name: "xrange"): PickleGlobal(module: "builtins", name: "range"),
        PickleGlobal(module: "__builtin__", name: "unicode"): PickleGlobal(module: "builtins", name: "str"),
        PickleGlobal(module: "__builtin__", name: "long"): PickleGlobal(module: "builtins", name: "int"),
        PickleGlobal(module: "__builtin__", name: "basestring"): PickleGlobal(module: "builtins", name: "str"),
    ]
    static let importMapping: [String: String] = ["__builtin__": "builtins", "copy_reg": "copyreg"]

    static let builtins: Set<String> = ["set", "frozenset", "bytes", "bytearray", "complex", "slice", "range", "int", "float", "str", "bool", "list", "tuple", "dict"]

    static let numpy: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
        "numpy.ndarray", "numpy.dtype",
    ]

    static let torch: Set<String> = [
        "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
        "torch._tensor._rebuild_from_type_v2", "torch.Size", "torch.device", "torch.Tensor",
        "torch.nn.parameter.Parameter", "torch.storage.UntypedStorage", "torch.storage.TypedStorage",
        "collections.OrderedDict", "_codecs.encode",
    ]

    /// Storage class names (`torch.FloatStorage`, `torch.cuda.HalfStorage`) and their element types.
    static let storageTypes: [String: DType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16,
        "DoubleStorage": .float64, "CharStorage": .int8, "ShortStorage": .int16, "IntStorage": .int32,
        "LongStorage": .int64, "ByteStorage": .uint8, "BoolStorage": .bool,
        "ComplexFloatStorage": .complex64, "ComplexDoubleStorage": .complex128,
    ]

    /// Applies the Python 2 → 3 renaming that CPython's `find_class` applies for protocol < 3.
    static func normalize(module: String, name: String) -> PickleGlobal {
        let raw = PickleGlobal(module: module, name: name)
        if let mapped = nameMapping[raw] { return mapped }
        return PickleGlobal(module: importMapping[module] ?? module, name: name)
    }

    /// True when `global` may appear in a pickle WeightPort reads.
    public static func isAllowed(_ global: PickleGlobal) -> Bool {
        if global.module == "builtins" { return builtins.contains(global.name) }
        let qualified = global.qualifiedName
        if numpy.contains(qualified) || torch.contains(qualified) { return true }
        if storageDType(global) != nil { return true }
        return torchDType(global) != nil
    }

    /// The element type a storage-class global stands for.
    public static func storageDType(_ global: PickleGlobal) -> DType? {
        guard global.module == "torch" || global.module == "torch.cuda" else { return nil }
        return storageTypes[global.name]
    }

    /// The element type a `torch.<dtype>` global names (as `_rebuild_tensor_v3` passes it).
    public static func torchDType(_ global: PickleGlobal) -> DType? {
        guard global.module == "torch" else { return nil }
        let aliases: [String: DType] = ["float": .float32, "half": .float16, "double": .float64,
                                        "long": .int64, "int": .int32, "short": .int16, "cfloat": .complex64]
        return DType(rawValue: global.name) ?? aliases[global.name]
    }
}
