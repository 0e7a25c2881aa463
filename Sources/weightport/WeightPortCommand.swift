import ArgumentParser
import CSystem
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
        // A write past the file-size limit (`ulimit -f`) then fails with EFBIG, which every
        // writer reports as one line and cleans up after, instead of killing the process with
        // its temporary file left behind. (The isolated reader's child gets the default back.)
        signal(SIGXFSZ, SIG_IGN)
        // Ctrl-C, SIGTERM or a closed terminal: the hidden temporary file goes too.
        wp_temp_cleanup_on_signals()
        _ = EarlySource.shared
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
