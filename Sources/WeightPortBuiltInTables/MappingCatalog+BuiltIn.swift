import Foundation
import WeightPortMapping

extension MappingCatalog {
    /// The tables compiled into the binary from the package's `mappings/*.yaml` (by the
    /// EmbedMappingTables build-tool plugin), so a binary copied alone still has them.
    public static func builtIn() throws(MappingError) -> MappingCatalog {
        var tables: [MappingTable] = []
        for file in EmbeddedMappingTables.files {
            tables.append(try MappingTable(yaml: file.text, file: "built-in " + file.name))
        }
        return MappingCatalog(folder: nil, tables: tables)
    }

    /// The built-in tables, parsed from now on by a helper thread and whichever thread asks for
    /// them (`SharedTableParsing`); the same tables and errors as `builtIn()`.
    public static func builtInInBackground() -> SharedTableParsing {
        SharedTableParsing(EmbeddedMappingTables.files.map { ($0.text, "built-in " + $0.name) })
    }

    /// The tables a command uses: `folder` when given (`--mappings DIR`), else the folder in
    /// `$WEIGHTPORT_MAPPINGS`, else the built-in tables.
    public static func resolve(folder: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(MappingError) -> MappingCatalog {
        if let folder = folder ?? environment["WEIGHTPORT_MAPPINGS"], !folder.isEmpty {
            return try MappingCatalog(folder: folder)
        }
        return try builtIn()
    }

    /// The file names and YAML texts of the built-in tables, as `mappings/` held them at build time.
    public static var builtInFiles: [(name: String, text: String)] { EmbeddedMappingTables.files }
}
