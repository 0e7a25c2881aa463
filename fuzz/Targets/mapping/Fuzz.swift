import FuzzSupport

/// A naming-convention table (mappings/*.yaml): YAML, table shape, rule patterns and their checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.loadTable(data, size)
}
