import FuzzSupport
import WeightPortFormats

/// A NumPy .npy image: magic, version, header dict, data.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try NpyReader.read($0) }
}
