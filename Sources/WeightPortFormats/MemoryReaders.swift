import WeightPortCore

/// The reader of each format that is read from memory (a mapped file or any bytes). HDF5 is the
/// exception: libhdf5 reads files itself (`WeightPortHDF5`).
public enum MemoryReaders {
    /// The file `bytes` hold in `format`; nil for HDF5.
    public static func read(_ bytes: ByteRegion, as format: WeightFormat) throws -> WeightFile? {
        switch format {
        case .pickle: return try PickleReader.read(bytes)
        case .torchZip: return try TorchZipReader.read(bytes)
        case .torchLegacy: return try TorchLegacyReader.read(bytes)
        case .safetensors: return try SafetensorsReader.read(bytes)
        case .npy: return try NpyReader.read(bytes)
        case .npz: return try NpzReader.read(bytes)
        case .caffemodel: return try CaffeModelReader.read(bytes)
        case .hdf5: return nil
        }
    }
}
