extension OutputFormat {
    /// The extension a model-zoo conversion gives this format's files (`pth`, `safetensors`, `pkl`, `h5`).
    public var fileExtension: String {
        switch self {
        case .torch: return "pth"
        case .safetensors: return "safetensors"
        case .pickle: return "pkl"
        case .bundle: return "h5"
        }
    }
}
