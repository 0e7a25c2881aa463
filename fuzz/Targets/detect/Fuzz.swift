import FuzzSupport

/// Any bytes: the format detector, then whichever reader it chose.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try FuzzInput.readAny($0) }
}
