import FuzzSupport
import WeightPortFormats

/// A Caffe NetParameter: the protobuf wire reader, V1/V2 layers and blobs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try CaffeModelReader.read($0) }
}
