import Foundation
import WeightPort
import WeightPortCore

/// Human-readable rendering of an `InspectionReport`.
enum InspectionTable {
    static func render(_ report: InspectionReport) -> String {
        var lines: [String] = []
        lines.append("file:    \(report.path)")
        lines.append("format:  \(report.format)")
        lines.append("tensors: \(report.entries.count), \(formatBytes(report.totalBytes)) (\(report.totalBytes) bytes)")
        lines.append("")
        var rows: [[String]] = [["NAME", "DTYPE", "SHAPE", "BYTES"]]
        let withStats = report.entries.contains { $0.statistics != nil }
        if withStats { rows[0] += ["MIN", "MAX", "MEAN", "STD"] }
        for entry in report.entries {
            var row = [entry.name, entry.dtype.rawValue, "[" + entry.shape.map(String.init).joined(separator: ", ") + "]", String(entry.bytes)]
            if let s = entry.statistics { row += [s.min, s.max, s.mean, s.std].map(number) }
            rows.append(row)
        }
        lines += table(rows)
        if !report.metadata.isEmpty {
            lines.append("")
            lines.append("metadata:")
            for (key, value) in report.metadata { lines.append("  \(key): \(summary(value))") }
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.first?.count else { return [] }
        let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == columns - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    static func number(_ x: Double) -> String { String(format: "%.6g", x) }

    static func formatBytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// One line per metadata entry: long text shows its first lines, structures their JSON head.
    static func summary(_ value: JSONValue) -> String {
        switch value {
        case .string(let text):
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.count <= 1 && text.count <= 100 { return text }
            let head = lines.prefix(4).map { "    " + $0 }.joined(separator: "\n")
            return "(\(lines.count) lines)\n" + head + (lines.count > 4 ? "\n    …" : "")
        case .array(let items) where items.count > 1 && value.serialized().count > 100:
            let shown = items.prefix(12).map { "    " + clip($0.serialized(), 150) }.joined(separator: "\n")
            return "(\(items.count) items)\n" + shown + (items.count > 12 ? "\n    …" : "")
        default:
            return clip(value.serialized(), 160)
        }
    }

    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
