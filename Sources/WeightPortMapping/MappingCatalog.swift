import Foundation

/// All tables of a `mappings/` folder, or the ones built into the binary, by convention name.
public struct MappingCatalog: Sendable {
    /// The folder the tables were read from; nil for the built-in tables (`MappingCatalog.builtIn`).
    public let folder: String?
    public let tables: [MappingTable]

    /// A catalog of tables already read (`folder` nil: built in).
    public init(folder: String?, tables: [MappingTable]) {
        self.folder = folder
        self.tables = tables
    }

    /// Loads every `*.yaml` in `folder`; one broken table fails the whole catalog with its file name,
    /// and a folder that is missing or holds no table is `MappingError.noTables`.
    public init(folder: String) throws(MappingError) {
        self.folder = folder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { throw .noTables(folder: folder) }
        let files = names.filter { $0.hasSuffix(".yaml") }.sorted()
        if files.isEmpty { throw .noTables(folder: folder) }
        var tables: [MappingTable] = []
        for file in files { tables.append(try MappingTable.load(path: folder + "/" + file)) }
        self.tables = tables
    }

    public var conventions: [String] { tables.map(\.convention) }

    /// The checkpoint keys any table's framework keeps its weights under (`state_dict`, `model`,
    /// …), in table order, each once.
    public var containerKeys: [String] {
        var seen = Set<String>()
        return tables.flatMap(\.containers).filter { seen.insert($0).inserted }
    }

    public func table(_ convention: String) throws(DetectionError) -> MappingTable {
        guard let table = tables.first(where: { $0.convention == convention }) else {
            throw .unknownConvention(convention, known: conventions)
        }
        return table
    }
}
