import ArgumentParser
import WeightPort

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "List the tensors and metadata of a weight file.")

    @Argument(help: "The weight file.") var file: String
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Add min, max, mean and std of every tensor.") var stats = false

    func run() throws {
        print("not yet")
    }
}
