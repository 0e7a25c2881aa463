import WeightPortCore

/// Why a writer could not produce its output. The destination is never left half-written.
public enum WriterError: Error, Sendable, Equatable {
    /// The destination exists and the caller did not ask to overwrite it.
    case destinationExists(path: String)
    /// The operating system refused to create, write, sync or rename a file.
    case cannotWrite(path: String, reason: String)
    /// The output format has no encoding for this tensor's element type.
    case unsupportedDType(tensor: String, dtype: DType, format: String)
    /// A value the output format cannot represent (with the reason).
    case unsupportedValue(String)
}

extension WriterError: Diagnostic {
    public var what: String {
        switch self {
        case .destinationExists(let path):
            return "'\(path)' already exists (pass overwrite to replace it)"
        case .cannotWrite(_, let reason):
            return "cannot write: \(reason)"
        case .unsupportedDType(let tensor, let dtype, let format):
            return "\(format) cannot hold \(dtype.rawValue) (tensor '\(tensor)')"
        case .unsupportedValue(let message):
            return "unsupported value: \(message)"
        }
    }

    public var location: String? { nil }
}

/// `Array.withUnsafeBytes` for a body with typed throws (the standard one only rethrows `any Error`).
func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(WriterError) -> R) throws(WriterError) -> R {
    let result: Result<R, WriterError> = array.withUnsafeBytes { raw in
        Result { () throws(WriterError) -> R in try body(raw) }
    }
    return try result.get()
}
