import Foundation
import WeightPort

/// The one place errors become text: `weightport: <file>: <what> (<where>)` on stderr, exit 1.
enum ErrorRenderer {
    static func line(_ error: FileError) -> String {
        var text = "weightport: \(error.path): \(error.what)"
        if let location = error.location { text += " (\(location))" }
        return text
    }

    static func fail(_ error: FileError) -> Never {
        FileHandle.standardError.write(Data((line(error) + "\n").utf8))
        exit(1)
    }
}
