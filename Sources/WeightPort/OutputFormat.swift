/// The file formats `convert` writes, chosen by the destination's extension.
public enum OutputFormat: String, Sendable {
    /// PyTorch zip checkpoint (`.pth`, `.pt`).
    case torch
    case safetensors
    /// Detectron-style pickle of NumPy arrays (`.pkl`).
    case pickle
    /// WeightPort HDF5 bundle (`.h5`, `.hdf5`), always under canonical names.
    case bundle

    public init?(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".pth") || lower.hasSuffix(".pt") { self = .torch }
        else if lower.hasSuffix(".safetensors") { self = .safetensors }
        else if lower.hasSuffix(".pkl") { self = .pickle }
        else if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") { self = .bundle }
        else { return nil }
    }
}
