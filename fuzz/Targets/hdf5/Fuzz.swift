import FuzzSupport
import WeightPortHDF5

/// The whole isolated read, as `weightport` does it: the bytes go to a forked child process
/// (no registered executable here, so the library's fork path) that opens them with libhdf5
/// under tight limits, writes its result to a memory file, and the parent decodes that. Whatever
/// libhdf5 does in the child — crash, hang, huge allocation — must come back as one HDF5Error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    // One CPU second and one wall-clock second: inside libFuzzer's 2 s -timeout even when a
    // hang is stopped by the clock; address space is not limited under AddressSanitizer.
    let limits = HDF5ReadLimits(cpuSeconds: 1, wallSeconds: 1, addressSpaceBytes: 0)
    return FuzzInput.run(data, size) { try HDF5TensorReader.read($0, limits: limits) }
}
