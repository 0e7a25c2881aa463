import Foundation
import WeightPortCore
import WeightPortMapping

/// Converts a model zoo: every weight file under some folders (or a list of files) into one
/// output folder, each file's convention and architecture detected on its own, several files
/// at a time. A file that fails does not stop the others, and leaves no output behind (every
/// writer publishes its file whole or not at all).
public enum ZooConverter {
    /// What to convert and how.
    public struct Request: Sendable {
        /// Weight files and folders (walked recursively; files chosen by their bytes, not their names).
        public var sources: [String]
        /// Where each source `NAME.EXT` becomes `NAME.<format's extension>`; created when missing.
        public var outputFolder: String
        public var format: OutputFormat
        /// Files converted at once. Each holds one mapped source, so peak memory grows with it.
        public var jobs: Int
        /// The options every file is converted with (`to`, `force`, `drop`, …); its `source` and
        /// `destination` are replaced for each file.
        public var options: Converter.Request

        public init(sources: [String], outputFolder: String, format: OutputFormat = .safetensors,
                    jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.sources = sources
            self.outputFolder = outputFolder
            self.format = format
            self.jobs = jobs
            self.options = Converter.Request(source: "", destination: "")
        }
    }

    /// How one file's conversion ended.
    public struct FileResult: Sendable {
        public let source: String
        public let output: String
        /// Why the file was not converted; nil when it was.
        public let error: FileError?
        /// The detected source convention and architecture (nil when the file failed).
        public let convention: String?
        public let architecture: String?
        /// Wall-clock time of this file's conversion.
        public let seconds: Double
        public var ok: Bool { error == nil }
    }

    /// The output path for `source`: its name without the last extension, plus the format's.
    static func outputPath(for source: String, in folder: String, format: OutputFormat) -> String {
        let stem = (URL(fileURLWithPath: source).lastPathComponent as NSString).deletingPathExtension
        return (folder as NSString).appendingPathComponent(stem + "." + format.fileExtension)
    }

    /// Converts every weight file of the request, `request.jobs` at a time, largest first.
    /// `finished` is called once per file as it completes (one call at a time). Returns the
    /// results in source order; throws only when the output folder cannot be created.
    public static func convert(_ request: Request, catalog: MappingCatalog,
                               finished: @escaping @Sendable (FileResult) -> Void = { _ in }) throws -> [FileResult] {
        let files = WeightFileFinder.files(in: request.sources, excluding: request.outputFolder)
        do {
            try FileManager.default.createDirectory(atPath: request.outputFolder, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: request.outputFolder, underlying: FileAccessError.cannotWrite(
                path: request.outputFolder, reason: "cannot create the output folder"))
        }
        let outputs = files.map { outputPath(for: $0, in: request.outputFolder, format: request.format) }
        let collisions = firstSources(files, outputs)
        let order = files.indices.sorted { fileSize(files[$0]) > fileSize(files[$1]) }
        let results = ResultSlots(count: files.count)
        WorkQueue.run(order, workers: max(1, min(request.jobs, files.count))) { index in
            let result: FileResult
            if let first = collisions[index] {
                result = FileResult(source: files[index], output: outputs[index],
                                    error: FileError(path: files[index], underlying: ZooError.sameOutput(as: first)),
                                    convention: nil, architecture: nil, seconds: 0)
            } else {
                result = convertOne(files[index], to: outputs[index], options: request.options, catalog: catalog)
            }
            results.set(index, result, then: finished)
        }
        return results.all
    }

    static func convertOne(_ source: String, to output: String, options: Converter.Request,
                           catalog: MappingCatalog) -> FileResult {
        var request = options
        request.source = source
        request.destination = output
        let start = Date()
        do {
            let outcome = try Converter.convert(request, catalog: catalog)
            return FileResult(source: source, output: output, error: nil, convention: outcome.model.convention,
                              architecture: outcome.model.spec.name, seconds: Date().timeIntervalSince(start))
        } catch {
            return FileResult(source: source, output: output, error: fileError(error, source: source),
                              convention: nil, architecture: nil, seconds: Date().timeIntervalSince(start))
        }
    }

    /// Any failure as a one-line `FileError`.
    static func fileError(_ error: any Error, source: String) -> FileError {
        switch error {
        case let error as FileError: return error
        case let failure as StrictConversionFailure:
            return FileError(path: failure.path, underlying: ZooError.notConverted(failure.summary))
        case let diagnostic as any Diagnostic: return FileError(path: source, underlying: diagnostic)
        default: return FileError(path: source, underlying: UnexpectedError(description: String(describing: error)))
        }
    }

    /// For each file whose output an earlier file already takes, that earlier file.
    static func firstSources(_ files: [String], _ outputs: [String]) -> [Int: String] {
        var owner: [String: String] = [:]
        var out: [Int: String] = [:]
        for (index, output) in outputs.enumerated() {
            if let first = owner[output] { out[index] = first } else { owner[output] = files[index] }
        }
        return out
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// Why one file of a zoo was not converted, beyond the conversion's own errors.
enum ZooError: Diagnostic, Sendable {
    /// Another source has the same name without its extension, so the same output.
    case sameOutput(as: String)
    /// A strict conversion refused the file; the summary says what would be lost or invented.
    case notConverted(String)

    var what: String {
        switch self {
        case .sameOutput(let first): return "not converted: its output name is already taken by \(first)"
        case .notConverted(let summary): return "not converted: \(summary)"
        }
    }
    var location: String? { nil }
}
