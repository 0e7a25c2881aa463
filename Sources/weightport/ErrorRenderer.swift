import ArgumentParser
import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping

/// The one place errors become text: `weightport: <file>: <what> (<where>)` on stderr, exit 1.
///
/// Library errors never name command-line flags; the hints that do are added here.
enum ErrorRenderer {
    static func line(_ error: FileError) -> String {
        line(path: error.path, what: error.what + hint(for: error.underlying), location: error.location)
    }

    static func line(path: String?, what: String, location: String?) -> String {
        var text = "weightport: " + (path.map { "\($0): " } ?? "") + what
        if let location { text += " (\(location))" }
        // One line, whatever a message quoted.
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// The line for any error a command throws; nil for argument-parser exits that are not
    /// failures (`--help`, `--version`), which the parser prints itself.
    static func line(for error: any Error, command: any ParsableCommand.Type) -> String? {
        switch error {
        case let error as FileError:
            return line(error)
        case let failure as StrictConversionFailure:
            return line(path: failure.path, what: failure.what + hint(for: failure), location: nil)
        case let diagnostic as any Diagnostic:
            return line(path: nil, what: diagnostic.what + hint(for: diagnostic), location: diagnostic.location)
        case let exit as ExitCode:
            return exit == .success ? nil : ""
        default:
            guard command.exitCode(for: error) != .success else { return nil }
            return line(path: nil, what: command.message(for: error), location: nil)
        }
    }

    /// What to pass to loosen a strict failure, or to overwrite.
    static func hint(for diagnostic: any Diagnostic) -> String {
        if diagnostic is StrictConversionFailure {
            return " (--drop PATTERN leaves source tensors out, --allow-missing PATTERN accepts missing target tensors)"
        }
        if case .destinationExists? = diagnostic as? ConversionError { return " (use --force to replace it)" }
        switch diagnostic as? DetectionError {
        case .noConvention?: return "; name one with --from"
        case .ambiguous?: return "; choose with --from"
        default: break
        }
        if let error = diagnostic as? VerificationError, case .input(let message) = error, message.hasSuffix("boxes to run the RoI heads on") {
            return " (--boxes B)"
        }
        if case .opaqueSetting(let key, _)? = diagnostic as? ConfigTextError {
            return key.hasSuffix("style") || key.hasSuffix("STRIDE_1X1") ? " (pass --stride-in-1x1 true|false)" : ""
        }
        return ""
    }

    static func fail(_ error: FileError) -> Never {
        emit(line(error))
    }

    static func emit(_ text: String) -> Never {
        FileHandle.standardError.write(Data((text + "\n").utf8))
        exit(1)
    }
}
