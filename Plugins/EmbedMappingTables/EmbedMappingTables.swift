import Foundation
import PackagePlugin

/// Compiles the package's `mappings/*.yaml` into the target as string literals at build time, so
/// the YAML stays the single source and a binary copied alone still has its tables.
@main
struct EmbedMappingTables: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appendingPathComponent("mappings")
        let tables = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedMappingTables.swift")
        return [.buildCommand(
            displayName: "Embedding \(tables.count) mapping tables",
            executable: try context.tool(named: "embed-mapping-tables").url,
            arguments: [output.path] + tables.map(\.path),
            inputFiles: tables,
            outputFiles: [output]
        )]
    }
}
