import Foundation
import WeightPort

/// The source of a one-file conversion, read from before the arguments are parsed.
///
/// `main` starts it first, before the built-in tables: on two cores the source's structure and
/// the argument parsing then run side by side, and the tables' helper takes the core the
/// source's reader leaves (under SCHED_FIFO a thread started third waits for a core).
enum EarlySource {
    static let shared: PreparsedSource? = started(CommandLine.arguments)

    /// Starts reading when the command line reads `convert SRC …`, the form the usage documents
    /// (`PreparsedSource` reads only a regular file). Any other spelling just reads the source
    /// the ordinary way.
    static func started(_ arguments: [String]) -> PreparsedSource? {
        guard arguments.count > 3, arguments[1] == "convert", !arguments[2].hasPrefix("-") else { return nil }
        return PreparsedSource(path: arguments[2])
    }
}
