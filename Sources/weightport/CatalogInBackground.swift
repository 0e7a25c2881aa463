import Foundation
import WeightPortCore
import WeightPortMapping

/// The mapping tables a command uses, read while it parses its input. The built-in tables are
/// shared out (`SharedTableParsing`: the command parses the ones its helper has not reached
/// when it needs them); tables from a folder are read by one helper thread.
final class CatalogInBackground: Sendable {
    private let builtIn: SharedTableParsing?
    private let fromFolder: BackgroundValue<MappingCatalog>?

    /// `folder`: `--mappings`; without it `$WEIGHTPORT_MAPPINGS`, else the built-in tables
    /// (the order `MappingCatalog.resolve` follows).
    init(folder: String?, environment: (String) -> String? = EnvironmentVariable.value) {
        if let folder = folder ?? environment("WEIGHTPORT_MAPPINGS"), !folder.isEmpty {
            builtIn = nil
            fromFolder = BackgroundValue { try MappingsCommand.load(folder) }
        } else {
            builtIn = EarlyBuiltInTables.shared
            fromFolder = nil
        }
    }

    /// The built-in tables' `CatalogPreview`, before they are parsed; nil for tables from a folder.
    func preview() -> CatalogPreview? { builtIn?.preview() }

    /// The catalog without lending this thread to its parsing (`get(helping: false)`).
    func getWaiting() throws -> MappingCatalog { try get(helping: false) }

    /// The catalog; table errors come as `MappingsCommand.load` reports them. `helping`: see
    /// `SharedTableParsing.catalog(helping:)` (tables from a folder have their own thread).
    func get(helping: Bool = true) throws -> MappingCatalog {
        if let builtIn { return try MappingsCommand.wrap("mappings") { () throws(MappingError) in try builtIn.catalog(helping: helping) } }
        guard let fromFolder else { return try MappingsCommand.load(nil) }
        return try fromFolder.get()
    }
}
