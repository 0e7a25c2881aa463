import ArgumentParser

@main
struct WeightPortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weightport",
        abstract: "Read, map, verify and write detection-backbone weights.",
        subcommands: [InspectCommand.self]
    )
}
