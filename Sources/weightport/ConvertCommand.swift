import ArgumentParser
import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a weight file to another naming convention and/or format.",
        discussion: """
        The output format follows DST's extension: .pth/.pt (PyTorch zip), .safetensors, .pkl
        (Detectron pickle), .h5 (WeightPort HDF5 bundle, canonical names). Strict by default:
        unknown source tensors, tensors the target cannot name, missing target tensors and
        shape mismatches stop the conversion and nothing is written.
        Several sources, a folder (weight files found by content, recursively) or an existing
        folder -o convert a model zoo: each file into -o as <stem>.<--format>, --jobs at a time.
        """
    )

    @Argument(help: "The source weight file; several files or folders convert a model zoo into the folder -o.")
    var sources: [String]
    @Option(name: .shortAndLong, help: "The output file (a folder for a model zoo).") var output: String
    @OptionGroup var zoo: ZooOptions
    @OptionGroup var conventions: ConventionOptions
    @Option(help: "Target convention (default: the source's, a pure format change).") var to: String?
    @Flag(help: "Replace an existing output file.") var force = false
    @Option(name: .customLong("allow-missing"), help: "Target tensors allowed to be missing (pattern, * = any text; repeatable).")
    var allowMissing: [String] = []
    @Option(help: "Source tensors to leave out on purpose (pattern; repeatable).") var drop: [String] = []
    @Flag(name: .customLong("swap-input-channels"), help: "Reverse the stem conv's input channels (BGR <-> RGB).")
    var swapInputChannels = false
    @Flag(help: "Compress HDF5 bundle datasets (deflate + shuffle).") var compress = false
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        if ZooConversion.applies(sources: sources, output: output) { return try ZooConversion(command: self).run() }
        try zoo.checkSingleFile()
        var request = Converter.Request(source: sources[0], destination: output)
        request.load = conventions.loaderOptions
        request.to = to
        request.force = force
        request.allowMissing = try NamePatternList(allowMissing)
        request.drop = try NamePatternList(drop)
        request.swapInputChannels = swapInputChannels
        request.compress = compress
        request.preparsed = EarlySource.shared
        let catalog = conventions.catalogInBackground()
        let indicator = PhaseIndicator()
        defer { indicator.finish() }
        do {
            let outcome = try Converter.convert(request, catalog: { try catalog.get() }, preview: catalog.preview,
                                                catalogWhileWriting: catalog.getWaiting, phase: indicator.callback)
            indicator.finish()
            let settings = try? TargetSettings(model: outcome.model, target: catalog.get().table(outcome.target),
                                               swappedInput: swapInputChannels)
            print(json ? ConversionReportView.json(outcome, settings: settings).serialized()
                       : ConversionReportView.text(outcome, settings: settings))
        } catch let failure as StrictConversionFailure {
            indicator.finish()
            if json { print(ConversionReportView.json(failure).serialized()) } else { print(ConversionReportView.text(failure.report)) }
            throw failure
        }
    }

    func validate() throws {
        try PatternOptions.validate(drop: drop, allowMissing: allowMissing)
    }
}

/// `--drop` and `--allow-missing` patterns, checked before any file is read.
enum PatternOptions {
    static func validate(drop: [String], allowMissing: [String] = []) throws {
        for (flag, patterns) in [("--drop", drop), ("--allow-missing", allowMissing)] {
            do { _ = try NamePatternList(patterns) } catch let error as any Diagnostic {
                throw ValidationError("\(flag): \(error.what)")
            }
        }
    }
}

/// `--from`, `--arch`, `--stride-in-1x1`, `--mappings`: how to read a source's names.
struct ConventionOptions: ParsableArguments {
    @Option(help: "Source naming convention (default: detected from the tensor names).") var from: String?
    @Option(help: "Architecture, e.g. R-50-FPN, X-101-32x8d-FPN, R-50-C4 (default: inferred).") var arch: String?
    @Option(name: .customLong("stride-in-1x1"), help: "Override stride placement: true (first 1x1, MSRA/Caffe) or false (3x3).")
    var strideIn1x1: Bool?
    @Option(help: "Folder of mapping tables (default: $WEIGHTPORT_MAPPINGS, else the tables built into weightport).")
    var mappings: String?

    var loaderOptions: CanonicalModelLoader.Options { .init(from: from, arch: arch, strideIn1x1: strideIn1x1) }

    func catalog() throws -> MappingCatalog { try MappingsCommand.load(mappings) }

    /// The catalog read on another thread, for commands that parse their input meanwhile.
    func catalogInBackground() -> CatalogInBackground { CatalogInBackground(folder: mappings) }
}
