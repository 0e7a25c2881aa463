import Foundation

/// All tables of a `mappings/` folder, by convention name.
public struct MappingCatalog: Sendable {
    public let folder: String
    public let tables: [MappingTable]

    /// Loads every `*.yaml` in `folder`; one broken table fails the whole catalog with its file name.
    public init(folder: String) throws(MappingError) {
        self.folder = folder
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        } catch {
            throw .invalidTable(file: folder, reason: "cannot list the mapping tables: \(error.localizedDescription)")
        }
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

    /// The `mappings/` folder: `$WEIGHTPORT_MAPPINGS`, else beside the executable's checkout
    /// (`.build/<triple>/<config>/weightport` → three levels up), else the source tree's.
    public static func defaultFolder(executable: String = CommandLine.arguments.first ?? "") -> String {
        if let env = ProcessInfo.processInfo.environment["WEIGHTPORT_MAPPINGS"] { return env }
        var candidates: [URL] = []
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(url.appendingPathComponent("mappings"))
            url.deleteLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("mappings"))
        // Last resort: the checkout this binary was built from.
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("mappings"))
        let found = candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("detectron.yaml").path) }
        return (found ?? candidates.last!).path
    }
}
