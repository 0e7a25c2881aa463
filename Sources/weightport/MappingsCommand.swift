import WeightPortBuiltInTables
import ArgumentParser
import Foundation
import WeightPort
import WeightPortCore
import WeightPortMapping

struct MappingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mappings",
        abstract: "List and validate the naming-convention tables in mappings/.",
        subcommands: [Check.self, List.self],
        defaultSubcommand: List.self
    )

    struct Options: ParsableArguments {
        @Option(help: "Folder of mapping tables (default: $WEIGHTPORT_MAPPINGS, else the tables built into weightport).")
        var mappings: String?
    }

    struct List: ParsableCommand {
        // Named here: without a name, ArgumentParser derives it with String(describing:) of the type,
        // a dynamic cast that scans every protocol conformance in the binary (~0.3 ms at start-up).
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the conventions and their rule counts.")
        @OptionGroup var options: Options

        func run() throws {
            let catalog = try MappingsCommand.load(options.mappings)
            print("tables: \(catalog.folder ?? "built-in (mappings/*.yaml compiled into weightport \(WeightPortVersion.current))")")
            for table in catalog.tables {
                print("\(table.convention.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(table.rules.count).leftPad(3)) rules  \(table.description)")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Load every table (or the given files) and check that no two rules overlap and every rule maps both ways.")
        @OptionGroup var options: Options
        @Argument(help: "Table files to check (default: every table in the folder).") var files: [String] = []

        func run() throws {
            let tables = try files.isEmpty ? MappingsCommand.load(options.mappings).tables
                : files.map { path in try MappingsCommand.wrap(path) { () throws(MappingError) in try MappingTable.load(path: path) } }
            var failed = false
            for table in tables {
                let problems = TableChecker.check(table)
                print("\(table.convention): \(table.rules.count) rules, \(problems.isEmpty ? "ok" : "\(problems.count) problems")")
                for problem in problems { print("  \(problem)") }
                failed = failed || !problems.isEmpty
            }
            if failed { throw ExitCode(1) }
        }
    }

    /// `--mappings DIR`, else `$WEIGHTPORT_MAPPINGS`, else the built-in tables.
    static func load(_ folder: String?) throws -> MappingCatalog {
        // The built-in tables come from the process's one parse (`main` may have started it).
        let named = folder ?? EnvironmentVariable.value("WEIGHTPORT_MAPPINGS")
        if named?.isEmpty ?? true {
            return try wrap("mappings") { () throws(MappingError) in try EarlyBuiltInTables.shared.catalog() }
        }
        return try wrap(folder ?? "mappings") { () throws(MappingError) in try MappingCatalog.resolve(folder: folder) }
    }

    /// Table errors name their file; the CLI shows them in its one-line form.
    static func wrap<T>(_ path: String, _ body: () throws(MappingError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            if case .invalidTable(let file, _) = error { throw FileError(path: file, underlying: error) }
            if case .noTables(let folder) = error { throw FileError(path: folder, underlying: error) }
            throw FileError(path: path, underlying: error)
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
