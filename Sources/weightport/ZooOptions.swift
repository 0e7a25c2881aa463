import ArgumentParser
import WeightPort

/// `convert`'s options for a model zoo (several sources, a folder, or -o an existing folder).
struct ZooOptions: ParsableArguments {
    /// The formats a zoo's files can be written in, by the extension they get.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case pth, safetensors, pkl, h5

        var outputFormat: OutputFormat {
            switch self {
            case .pth: return .torch
            case .safetensors: return .safetensors
            case .pkl: return .pickle
            case .h5: return .bundle
            }
        }
    }

    @Option(help: "Format of a model zoo's outputs (default: safetensors).")
    var format: Format?
    @Option(help: "Files of a model zoo converted at once (default: the number of cores).") var jobs: Int?
    @Flag(name: .customLong("json-lines"), help: "Print one JSON record per file of a model zoo as it finishes.")
    var jsonLines = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    /// The zoo options mean nothing for one file converted into one file.
    func checkSingleFile() throws {
        if format != nil || jobs != nil || jsonLines {
            throw ValidationError("--format, --jobs and --json-lines apply to a model zoo: several sources, a folder, or -o an existing folder")
        }
    }
}
