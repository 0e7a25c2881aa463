import WeightPortCore

/// The file formats WeightPort reads, identified from content alone.
public enum WeightFormat: String, Sendable, CaseIterable {
    /// A bare pickle: Detectron `model_final.pkl` / `R-50.pkl`, or any dict of NumPy arrays.
    case pickle
    /// `torch.save` zip archive (PyTorch ≥ 1.6).
    case torchZip = "torch-zip"
    /// `torch.save` legacy stream (PyTorch < 1.6): magic number pickle, then raw storages.
    case torchLegacy = "torch-legacy"
    case safetensors
    case npy
    case npz
    case hdf5
    /// Caffe binary `NetParameter` protobuf.
    case caffemodel
}

/// Reads one format from the bytes of a whole file.
public protocol WeightFileReader {
    static func read(_ bytes: ByteRegion) throws -> WeightFile
}
