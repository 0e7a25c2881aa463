import ArgumentParser
import Foundation
import WeightPort

@main
struct WeightPortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weightport",
        abstract: "Read, map, verify and write detection-backbone weights.",
        version: WeightPortVersion.current,
        subcommands: [InspectCommand.self, ConvertCommand.self, VerifyCommand.self, ExportCommand.self, MappingsCommand.self]
    )

    /// Runs the chosen command and renders any WeightPort error once, as a single line.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as FileError {
            ErrorRenderer.fail(error)
        } catch {
            exit(withError: error)
        }
    }
}
