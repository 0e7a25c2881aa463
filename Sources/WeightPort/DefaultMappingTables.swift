import WeightPortBuiltInTables
import WeightPortMapping

extension Converter {
    /// `convert` with the default mapping tables: the folder in `$WEIGHTPORT_MAPPINGS`, else the
    /// tables built into the library.
    public static func convert(_ request: Request) throws -> Outcome {
        try convert(request, catalog: try DefaultMappingTables.catalog())
    }
}

extension Verifier {
    /// `verify` with the default mapping tables (see `Converter.convert(_:)`).
    public static func verify(_ request: Request) throws -> Outcome {
        try verify(request, catalog: try DefaultMappingTables.catalog())
    }
}

/// `$WEIGHTPORT_MAPPINGS`, else the built-in tables, with table errors naming their file.
enum DefaultMappingTables {
    static func catalog() throws -> MappingCatalog {
        do {
            return try MappingCatalog.resolve(folder: nil)
        } catch {
            switch error {
            case .invalidTable(let file, _): throw FileError(path: file, underlying: error)
            case .noTables(let folder): throw FileError(path: folder, underlying: error)
            default: throw FileError(path: "mappings", underlying: error)
            }
        }
    }
}
