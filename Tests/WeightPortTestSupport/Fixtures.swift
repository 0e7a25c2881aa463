import Foundation
import WeightPortCore

/// Paths of the committed fixtures, found relative to this source file so tests run from any directory.
public enum Fixtures {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    /// Absolute path of `relative` under fixtures/.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Maps a fixture file.
    public static func bytes(_ relative: String) throws -> ByteRegion { try MappedFile.map(path: path(relative)) }

    /// Parses a JSON fixture into Foundation objects.
    public static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }
}
