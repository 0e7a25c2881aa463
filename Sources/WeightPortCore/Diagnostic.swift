/// An error that knows how to describe itself in WeightPort's one-line form.
///
/// The CLI renders every error once as `weightport: <file>: <what> (<location>)`; each layer's
/// error enum supplies the two parts instead of formatting whole messages itself.
public protocol Diagnostic: Error {
    /// What went wrong, in words a user can act on.
    var what: String { get }
    /// Where it went wrong, e.g. `byte 1234`; nil when the whole file is at fault.
    var location: String? { get }
}

/// Errors found while decoding a file's bytes.
public enum FormatError: Error, Sendable, Equatable {
    /// The file has no bytes at all.
    case empty
    /// The first bytes match no format WeightPort reads.
    case unrecognized(firstBytes: String)
    /// The data ends before a structure it declares.
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    /// The bytes violate the format.
    case malformed(String, offset: Int?)
    /// Valid in the format, but not something WeightPort reads (with the reason).
    case unsupported(String, offset: Int?)
    /// A pickle names a global that is not on the allow-list; it is never resolved or called.
    case disallowedGlobal(module: String, name: String, offset: Int)
    /// A safety limit (nesting, memo, declared length) was exceeded.
    case limitExceeded(String, offset: Int?)
    /// A tensor's shape, strides and offset reach past the end of its storage.
    case storageOverflow(tensor: String, neededBytes: Int, availableBytes: Int)
}

extension FormatError: Diagnostic {
    public var what: String {
        switch self {
        case .empty: return "empty file"
        case .unrecognized(let first): return "unrecognized format (first bytes \(first))"
        case .truncated(let what, _, let needed, let available):
            return "truncated: \(what) needs \(needed) bytes, \(available) remain"
        case .malformed(let message, _): return message
        case .unsupported(let message, _): return "unsupported: \(message)"
        case .disallowedGlobal(let module, let name, _):
            return "pickle refers to disallowed global '\(module).\(name)' (not on the allow-list; nothing was executed)"
        case .limitExceeded(let message, _): return "safety limit exceeded: \(message)"
        case .storageOverflow(let tensor, let needed, let available):
            return "tensor '\(tensor)' needs \(needed) bytes but its storage holds \(available)"
        }
    }

    public var location: String? {
        switch self {
        case .truncated(_, let offset, _, _), .disallowedGlobal(_, _, let offset): return "byte \(offset)"
        case .malformed(_, let offset), .unsupported(_, let offset), .limitExceeded(_, let offset):
            return offset.map { "byte \($0)" }
        case .empty, .unrecognized, .storageOverflow: return nil
        }
    }
}
