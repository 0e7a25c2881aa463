import Foundation
import WeightPortBuiltInTables
import WeightPortCore
import WeightPortMapping

/// The built-in tables' parsing, one per process, started on first use.
///
/// `main` starts it before parsing the arguments when the command is `convert`: loading the
/// binary's libraries and parsing the arguments take about 11 ms before the command runs, and the
/// tables (about 11 ms of CPU) used to start only then, so a conversion that had read its
/// source's structure still waited for them. Other commands start it when they first ask for the
/// tables, as before (`inspect` never does, and its statistics want both cores).
enum EarlyBuiltInTables {
    static let shared = MappingCatalog.builtInInBackground()

    /// Starts the parsing now when the command line is a conversion that reads the built-in
    /// tables: not with `--mappings` or `$WEIGHTPORT_MAPPINGS`, whose tables replace them.
    static func startIfConverting(_ arguments: [String] = CommandLine.arguments,
                                  environment: (String) -> String? = EnvironmentVariable.value) {
        guard arguments.dropFirst().first == "convert", (environment("WEIGHTPORT_MAPPINGS") ?? "").isEmpty,
              !arguments.contains(where: { $0 == "--mappings" || $0.hasPrefix("--mappings=") }) else { return }
        _ = shared
    }
}
