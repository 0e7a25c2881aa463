import ArgumentParser
import Foundation
import WeightPort
import WeightPortCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an HDF5 bundle: canonical tensors with provenance, optionally with a stored verification.",
        discussion: """
        Groups follow canonical paths (/weights/res2/0/conv1/weight); every dataset carries source_name,
        source_dtype and, when its values differ from the source tensor's, transform. Optimizer state and
        bookkeeping are not exported (the report lists them). With --verify-input/--verify-expect the
        parity result is stored under /parity.
        """
    )

    @Argument(help: "The source weight file.") var source: String
    @Option(name: .shortAndLong, help: "The bundle to write (.h5).") var output: String
    @OptionGroup var conventions: ConventionOptions
    @Option(name: .customLong("verify-input"), help: "Network input for a verification stored in the bundle.") var verifyInput: String?
    @Option(name: .customLong("verify-expect"), help: "Recorded activations for that verification.") var verifyExpect: String?
    @Flag(help: "Chunk, shuffle and deflate the datasets.") var compress = false
    @Flag(help: "Replace an existing bundle.") var force = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (verifyInput == nil) == (verifyExpect == nil) else {
            throw ValidationError("--verify-input and --verify-expect go together")
        }
    }

    func run() throws {
        let checksum = BundleExporter.sourceChecksum(source)
        let catalog = conventions.catalogInBackground()
        var parity: JSONValue?
        var verification: Verifier.Outcome?
        if let verifyInput, let verifyExpect {
            var request = Verifier.Request(weights: source, input: verifyInput, expect: verifyExpect)
            request.load = conventions.loaderOptions
            let outcome = try Verifier.verify(request, catalog: try catalog.get())
            verification = outcome
            parity = Verifier.json(outcome)
        }
        // A verification already brought the source onto the hub; reading it twice would double the work.
        // Not prefaulted: the checksum holds the other core for longer than the rest takes (see `Converter`).
        let model = try verification?.model ?? CanonicalModelLoader.load(path: source, options: conventions.loaderOptions,
                                                                                 catalog: { try catalog.get() }, prefault: .lazily)
        let report = try BundleExporter.export(model, to: output, options: .init(compress: compress, overwrite: force, parity: parity,
                                                                                    sourceChecksum: checksum))
        if json {
            var pairs: [(String, JSONValue)] = [("output", .string(output)), ("architecture", .string(model.spec.name)),
                                                ("convention", .string(model.convention)), ("tensors", .int(report.mapped))]
            if case .object(let fields) = ConversionReportView.json(report) { pairs += fields }
            if let parity { pairs.append(("parity", parity)) }
            print(JSONValue.object(pairs).serialized())
        } else {
            if let verification { print(ParityTable.render(verification) + "\n") }
            print("bundle:       \(output) (\(report.mapped) tensors, architecture \(model.spec.name), from \(model.convention))")
            print(ConversionReportView.text(report))
        }
        if verification?.passed == false { throw ExitCode(1) }
    }
}
