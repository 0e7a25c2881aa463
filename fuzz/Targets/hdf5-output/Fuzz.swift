import FuzzSupport
import WeightPortHDF5

/// What the parent of the isolated HDF5 reader does in-process: decode the reader child's
/// output (header, metadata, tensor offsets into the memory file), which is untrusted — the
/// child ran libhdf5 over a possibly hostile file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try HDF5IsolatedReader.decodeOutput($0) }
}
