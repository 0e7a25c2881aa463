import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortMapping
import WeightPortModels

/// `weightport convert`: any weight file → another convention's names in another format,
/// strict by default: nothing is written unless every tensor is accounted for.
public enum Converter {
    /// One conversion: source, destination (its extension picks the format) and options.
    public struct Request: Sendable {
        public var source: String
        public var destination: String
        public var load = CanonicalModelLoader.Options()
        /// Target convention; nil keeps the source's (a pure format change).
        public var to: String?
        public var force = false
        public var allowMissing = NamePatternList()
        public var drop = NamePatternList()
        public var swapInputChannels = false
        public var compress = false
        /// Sources with at least this many bytes of tensors are written while their names are
        /// mapped (`StreamedOutput`); smaller ones, with nothing to gain, in the reference
        /// writers' exact layouts.
        public var streamingMinimum = 16 << 20
        /// The source, read ahead while the caller was still starting (`PreparsedSource`).
        public var preparsed: PreparsedSource?

        public init(source: String, destination: String) {
            self.source = source
            self.destination = destination
        }
    }

    /// What was converted: the source model, the target convention and format, and the report.
    public struct Outcome: Sendable {
        public let model: CanonicalModel
        public let target: String
        public let format: OutputFormat
        public let report: MappingReport
        public let tensorsWritten: Int
        /// Whether the tensors' bytes were written while the names were mapped (`StreamedOutput`)
        /// rather than after.
        public var streamed = false
    }

    /// `phase` is told what the conversion is doing (`reading`, `mapping`, `writing`), for a
    /// progress display on long conversions.
    public static func convert(_ request: Request, catalog: MappingCatalog,
                               phase: (@Sendable (String) -> Void)? = nil) throws -> Outcome {
        try convert(request, catalog: { catalog }, phase: phase)
    }

    /// `convert`, asking for the catalog only once the source is parsed, so a caller can read
    /// the tables on another thread meanwhile (they take about as long as a 250 MB pickle's
    /// structure). `loadCatalog` is asked more than once: it should load once and remember
    /// (as `BackgroundValue.get` does).
    /// `preview` (the tables' `CatalogPreview`, readable before they are parsed) lets a large
    /// source's tensors be written from the moment the source is parsed; without it, from the
    /// moment the tables are.
    /// `catalogWhileWriting`, when given, is asked instead once tensors are being written: the
    /// same catalog, waited for without this thread helping to parse it, so that the writer
    /// has a core (1-1.5 ms less per 254 MB conversion, source cached in 2 MiB folios).
    public static func convert(_ request: Request, catalog loadCatalog: () throws -> MappingCatalog,
                               preview: (() -> CatalogPreview?)? = nil,
                               catalogWhileWriting: (() throws -> MappingCatalog)? = nil,
                               phase: (@Sendable (String) -> Void)? = nil) throws -> Outcome {
        phase?("reading \(request.source)")
        guard let format = OutputFormat(path: request.destination) else {
            throw FileError(path: request.destination, underlying: ConversionError.unsupportedOutput(
                "unknown output extension (use .pth, .pt, .safetensors, .pkl or .h5)"))
        }
        if !request.force && FileManager.default.fileExists(atPath: request.destination) {
            throw FileError(path: request.destination, underlying: ConversionError.destinationExists)
        }
        let checksum = format == .bundle ? BundleExporter.sourceChecksum(request.source) : nil
        let prepared = StreamedOutput.prepare(format, destination: request.destination, overwrite: request.force,
                                              source: request.source, minimum: request.streamingMinimum)
        var stream: StreamedOutput?
        defer {
            stream?.abort()
            prepared?.abort()
        }
        // A bundle's checksum holds one core for longer than everything else takes on the
        // other, so nothing is prefaulted there: a third thread would slow the checksum down.
        func catalogForMapping() throws -> MappingCatalog {
            if stream != nil, let catalogWhileWriting { return try catalogWhileWriting() }
            return try loadCatalog()
        }
        let model = try CanonicalModelLoader.load(path: request.source, options: request.load, catalog: catalogForMapping,
                                                 prefault: format == .bundle ? .lazily : .afterParsing,
                                                 preparsed: request.preparsed) { file, catalog in
            let tables = { preview?() ?? (try? catalog()).map(CatalogPreview.init) }
            stream = StreamedOutput.start(format, destination: request.destination, overwrite: request.force, file: file,
                                          tables: tables, drop: request.drop, minimum: request.streamingMinimum,
                                          prepared: prepared)
            return stream != nil
        }
        let catalog = try loadCatalog()
        phase?(format == .bundle ? "writing \(request.destination)" : "mapping to \(request.to ?? model.convention)")
        if format == .bundle {
            let report = try BundleExporter.export(model, to: request.destination, options: .init(compress: request.compress, overwrite: request.force,
                                                   drop: request.drop, allowMissing: request.allowMissing,
                                                   sourceChecksum: checksum))
            return Outcome(model: model, target: "canonical", format: format, report: report, tensorsWritten: model.weights.tensors.count)
        }
        let targetName = request.to ?? model.convention
        let table = try FileError.attributing(to: request.destination) { try catalog.table(targetName) }
        let mapped = try FileError.attributing(to: request.source) {
            try TargetMapper.map(model, to: table, options: .init(swapInputChannels: request.swapInputChannels))
        }
        var report = merged(source: model.report, target: mapped.report)
        try enforceStrictness(&report, drop: request.drop, allowMissing: request.allowMissing, source: request.source,
                              target: targetName)
        let metadata = provenance(model, target: targetName, request: request)
        phase?("writing \(request.destination)")
        let streamed = try FileError.attributing(to: request.destination) {
            if let stream, try stream.finish(mapped.tensors, semantics: table.semantics, metadata: metadata, model: model) { return true }
            try OutputWriter.write(mapped.tensors, format: format, semantics: table.semantics,
                                   metadata: metadata, model: model, to: request.destination, overwrite: request.force)
            return false
        }
        var outcome = Outcome(model: model, target: targetName, format: format, report: report, tensorsWritten: mapped.tensors.count)
        outcome.streamed = streamed
        return outcome
    }

    /// Source-side accounting (unused, unknown, incomplete) with target-side (missing, not representable).
    static func merged(source: MappingReport, target: MappingReport) -> MappingReport {
        var report = source
        report.missing = target.missing
        report.shapeMismatches = target.shapeMismatches
        report.unconsumed = target.unconsumed
        report.notes = target.notes   // already includes the source side's notes
        report.warnings += target.warnings
        if !target.unknown.isEmpty { report.notRepresentable = target.unknown }
        report.incomplete += target.incomplete
        return report
    }

    /// Strict by default: unknown source tensors, tensors the target cannot hold, missing target
    /// tensors and shape mismatches stop the conversion unless a named option allows them.
    static func enforceStrictness(_ report: inout MappingReport, drop: NamePatternList, allowMissing: NamePatternList,
                                  source: String, target: String? = nil) throws {
        let dropped = report.unknown.filter(drop.matches) + report.notRepresentable.filter(drop.matches)
            + report.unconsumed.filter(drop.matches)
        if !dropped.isEmpty { report.unused["dropped (--drop)", default: []] += dropped }
        report.unknown = drop.unmatched(report.unknown)
        report.notRepresentable = drop.unmatched(report.notRepresentable)
        report.unconsumed = drop.unmatched(report.unconsumed)
        let allowed = report.missing.filter(allowMissing.matches)
        if !allowed.isEmpty { report.allowedMissing = allowed }
        report.missing = allowMissing.unmatched(report.missing)
        var problems: [String] = []
        if !report.unknown.isEmpty { problems.append("\(report.unknown.count) source tensors match no rule (e.g. \(report.unknown[0]))") }
        if !report.unconsumed.isEmpty { problems.append("\(report.unconsumed.count) source tensors are used by no part of the model (e.g. \(report.unconsumed[0]))") }
        if !report.notRepresentable.isEmpty {
            let part = target.flatMap { UnrepresentablePart.describe(report.notRepresentable, in: $0) }.map { "\($0): " } ?? ""
            problems.append("\(part)\(report.notRepresentable.count) tensors have no name in the target (e.g. \(report.notRepresentable[0]))")
        }
        if !report.incomplete.isEmpty { problems.append("\(report.incomplete.count) tensor groups are incomplete (e.g. \(report.incomplete[0].rule) lacks \(report.incomplete[0].missing.joined(separator: ", ")))") }
        if !report.missing.isEmpty { problems.append("\(report.missing.count) target tensors are missing (e.g. \(report.missing[0]))") }
        if !report.shapeMismatches.isEmpty {
            let m = report.shapeMismatches[0]
            problems.append("\(report.shapeMismatches.count) shape mismatches (e.g. \(m.name): \(m.source) in the file, \(m.target) in the target)")
        }
        guard problems.isEmpty else {
            throw StrictConversionFailure(path: source, report: report, summary: problems.joined(separator: "; "))
        }
    }

    static func provenance(_ model: CanonicalModel, target: String, request: Request) -> [(String, JSONValue)] {
        var options: [(String, JSONValue)] = []
        if !request.allowMissing.texts.isEmpty { options.append(("allow_missing", .array(request.allowMissing.texts.map { .string($0) }))) }
        if !request.drop.texts.isEmpty { options.append(("drop", .array(request.drop.texts.map { .string($0) }))) }
        if request.swapInputChannels { options.append(("swap_input_channels", .bool(true))) }
        return [
            ("tool", .string("weightport \(WeightPortVersion.current)")),
            ("source", .string(URL(fileURLWithPath: request.source).lastPathComponent)),
            ("source_format", .string(model.file.format)),
            ("source_convention", .string(model.convention)),
            ("target_convention", .string(target)),
            ("architecture", .string(model.spec.name)),
            ("options", .object(options)),
        ]
    }

}

/// A strict conversion that would lose or invent tensors: carries the full report for the CLI.
public struct StrictConversionFailure: Diagnostic, Sendable {
    public let path: String
    public let report: MappingReport
    public let summary: String

    public var what: String { "not converted: \(summary)" }
    public var location: String? { nil }
}

/// The tool's version, recorded in every file it writes.
public enum WeightPortVersion {
    public static let current = "0.1.0"
}
