import ArgumentParser
import Foundation
import WeightPort
import WeightPortHDF5

@main
struct WeightPortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weightport",
        abstract: "Read, map, verify and write detection-backbone weights.",
        version: WeightPortVersion.current,
        subcommands: [InspectCommand.self, ConvertCommand.self, VerifyCommand.self, ExportCommand.self, MappingsCommand.self, DiffCommand.self]
    )

    /// Runs the chosen command and renders any error once, as a single line with exit status 1.
    static func main() {
        // Untrusted HDF5 is read by a fresh copy of this executable (see HDF5IsolatedReader).
        HDF5IsolatedReader.runChildIfRequested(CommandLine.arguments)
        HDF5IsolatedReader.registerExecutable("/proc/self/exe")
        EarlyBuiltInTables.startIfConverting()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // `--help` and friends print themselves; a failing ExitCode has already said why.
            guard let line = ErrorRenderer.line(for: error, command: Self.self) else { exit(withError: error) }
            if line.isEmpty { exit(withError: error) }
            ErrorRenderer.emit(line)
        }
    }
}
