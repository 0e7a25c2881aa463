import ArgumentParser
import Foundation
import WeightPort
import WeightPortCore

/// `convert SRC… -o OUTDIR`: a model zoo converted file by file in parallel, with a progress line
/// per file on stderr, a summary at the end, and `--json` / `--json-lines` records on stdout.
struct ZooConversion {
    let command: ConvertCommand

    /// Several sources, a folder, or an existing output folder make a zoo conversion.
    static func applies(sources: [String], output: String) -> Bool {
        sources.count > 1 || isFolder(output) || sources.contains(where: isFolder)
    }

    func run() throws {
        if command.json && command.zoo.jsonLines { throw ValidationError("--json and --json-lines cannot be combined") }
        var request = ZooConverter.Request(sources: command.sources, outputFolder: command.output,
                                           format: command.zoo.format?.outputFormat ?? .safetensors)
        if let jobs = command.zoo.jobs { request.jobs = jobs }
        request.options = try options()
        let catalog = try command.conventions.catalog()
        let start = Date()
        let progress = Progress(jsonLines: command.zoo.jsonLines)
        let results = try ZooConverter.convert(request, catalog: catalog, finished: progress.report)
        let failed = results.filter { !$0.ok }.count
        if command.json { print(ZooConversion.json(results).serialized()) }
        let seconds = String(format: "%.2f", Date().timeIntervalSince(start))
        Progress.write(results.isEmpty ? "no weight files found in \(command.sources.joined(separator: ", "))"
                       : "converted \(results.count - failed) of \(results.count) files into \(command.output) in \(seconds) s"
                         + (failed > 0 ? "; \(failed) failed" : ""))
        if failed > 0 || results.isEmpty { throw ExitCode(1) }
    }

    /// The options every file is converted with.
    private func options() throws -> Converter.Request {
        var options = Converter.Request(source: "", destination: "")
        options.load = command.conventions.loaderOptions
        options.to = command.to
        options.force = command.force
        options.allowMissing = try NamePatternList(command.allowMissing)
        options.drop = try NamePatternList(command.drop)
        options.swapInputChannels = command.swapInputChannels
        options.compress = command.compress
        // The first file given, read ahead by `main`: taken by the conversion whose path it is.
        options.preparsed = EarlySource.shared
        return options
    }

    static func json(_ results: [ZooConverter.FileResult]) -> JSONValue {
        let failed = results.filter { !$0.ok }.count
        return .object([
            ("files", .array(results.map(record))),
            ("converted", .int(results.count - failed)),
            ("failed", .int(failed)),
        ])
    }

    /// One file's record: `{"source", "output", "ok", "error", "convention", "architecture", "seconds"}`.
    static func record(_ result: ZooConverter.FileResult) -> JSONValue {
        .object([
            ("source", .string(result.source)),
            ("output", .string(result.output)),
            ("ok", .bool(result.ok)),
            ("error", result.error.map { .string(message($0)) } ?? .null),
            ("convention", result.convention.map { .string($0) } ?? .null),
            ("architecture", result.architecture.map { .string($0) } ?? .null),
            ("seconds", .double((result.seconds * 1000).rounded() / 1000)),
        ])
    }

    /// `<file>: <what> (<where>)`: the CLI's one-line error without its `weightport: ` prefix.
    static func message(_ error: FileError) -> String {
        String(ErrorRenderer.line(error).dropFirst("weightport: ".count))
    }

    private static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }
}
