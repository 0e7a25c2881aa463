import FuzzSupport
import WeightPortFormats

/// A pre-1.6 torch.save stream: magic, sys_info, object pickle, storage keys and raw storages.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try TorchLegacyReader.read($0) }
}
