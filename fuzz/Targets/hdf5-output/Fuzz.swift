import FuzzSupport
import WeightPortCore
import WeightPortHDF5

/// What the parent of the isolated HDF5 reader does in-process: decode the reader child's
/// output (header, metadata, tensor offsets into the memory file), which is untrusted — the
/// child ran libhdf5 over a possibly hostile file.
/// Tensors may also claim to lie in the input file: a fixed 64 KiB stands for it.
let input = ByteRegion(copying: [UInt8](repeating: 0x5A, count: 1 << 16))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try HDF5IsolatedReader.decodeOutput($0, input: input) }
}
