import FuzzSupport
import WeightPortFormats

/// A NumPy .npz archive: zip directory, stored and deflated (libzip) members, each an .npy.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try NpzReader.read($0) }
}
