import WeightPortBuiltInTables
import Foundation
@testable import WeightPortMapping
import WeightPortTestSupport
import XCTest

/// The tables compiled into the binary are mappings/*.yaml, byte for byte, and are what a
/// command uses unless a folder is named.
final class BuiltInTablesTests: XCTestCase {
    func testBuiltInTablesEqualTheYAMLFiles() throws {
        let folder = TableFilesTests.mappingsFolder
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(MappingCatalog.builtInFiles.map(\.name), files)
        for file in MappingCatalog.builtInFiles {
            let text = try String(contentsOfFile: folder + "/" + file.name, encoding: .utf8)
            XCTAssertEqual(file.text, text, file.name)
        }
    }

    func testBuiltInCatalogHasEveryConvention() throws {
        let builtIn = try MappingCatalog.builtIn()
        XCTAssertNil(builtIn.folder)
        XCTAssertEqual(builtIn.conventions, try MappingCatalog(folder: TableFilesTests.mappingsFolder).conventions)
    }

    func testFolderOverridesEnvironmentWhichOverridesBuiltIn() throws {
        let folder = TableFilesTests.mappingsFolder
        XCTAssertNil(try MappingCatalog.resolve(folder: nil, environment: [:]).folder)
        XCTAssertEqual(try MappingCatalog.resolve(folder: nil, environment: ["WEIGHTPORT_MAPPINGS": folder]).folder, folder)
        XCTAssertThrowsError(try MappingCatalog.resolve(folder: "/nonexistent", environment: ["WEIGHTPORT_MAPPINGS": folder]))
    }

    func testMissingOrEmptyFolderIsNoTables() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("wp-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        for folder in [empty, empty + "/missing"] {
            XCTAssertThrowsError(try MappingCatalog(folder: folder)) { error in
                XCTAssertEqual(error as? MappingError, .noTables(folder: folder))
                XCTAssertEqual((error as? MappingError)?.what, "no mapping tables in \(folder)")
            }
        }
    }
}
