import FuzzSupport
import WeightPortFormats

/// A torch.save zip archive: zip directory, data.pkl through the VM, storage records.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try TorchZipReader.read($0) }
}
