import FuzzSupport
import WeightPortFormats

/// A bare pickle: the safe VM, its allow-list, then the Detectron / detectron2 / flat layouts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(data, size) { try PickleReader.read($0) }
}
