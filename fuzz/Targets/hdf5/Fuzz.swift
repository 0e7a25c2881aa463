import FuzzSupport
import WeightPortHDF5

/// An HDF5 file opened from memory through libhdf5's file-image API (no temporary file).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try HDF5TensorReader.read($0) }
}
