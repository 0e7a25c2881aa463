import FuzzSupport
import WeightPortFormats

/// A safetensors file: header length, JSON header, offsets tiling the buffer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try SafetensorsReader.read($0) }
}
