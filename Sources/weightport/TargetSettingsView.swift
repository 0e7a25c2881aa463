import WeightPort
import WeightPortCore

/// Renders `TargetSettings` for `convert`: a text section for people, JSON fields for tools
/// (`target_settings`, `inexpressible`, `settings_unstated`).
enum TargetSettingsView {
    static func text(_ s: TargetSettings) -> [String] {
        var lines: [String] = []
        if !s.settings.isEmpty {
            lines.append("target settings for \(s.target) (\(s.settings.count); * = not \(s.target)'s default)" + (s.how.map { " — \($0)" } ?? "") + ":")
            let width = min(s.settings.map(\.key.count).max() ?? 0, 56)
            for setting in s.settings {
                let mark = setting.changesDefault ? "*" : " "
                let pad = String(repeating: " ", count: max(0, width - setting.key.count))
                let was = setting.changesDefault ? setting.targetDefault.map { "; default \($0)" } ?? "" : ""
                lines.append("  \(mark) \(setting.key):\(pad) \(setting.value)   # \(setting.why)\(was)")
            }
        }
        if !s.inexpressible.isEmpty {
            lines.append("cannot be expressed in \(s.target) (\(s.inexpressible.count)):")
            lines += s.inexpressible.map { "  \($0)" }
        }
        if !s.unstated.isEmpty {
            lines.append("not stated by the source, so not set (\(s.unstated.count)):")
            lines += s.unstated.map { "  \($0)" }
        }
        return lines
    }

    /// The fields, present (empty) even without settings so tools can rely on them.
    static func json(_ s: TargetSettings?) -> [(String, JSONValue)] {
        [
            ("target_settings", .array((s?.settings ?? []).map { setting in
                .object([("key", .string(setting.key)), ("value", .string(setting.value)), ("why", .string(setting.why)),
                         ("target_default", setting.targetDefault.map { .string($0) } ?? .null),
                         ("changes_default", .bool(setting.changesDefault))])
            })),
            ("inexpressible", .array((s?.inexpressible ?? []).map { .string($0) })),
            ("settings_unstated", .array((s?.unstated ?? []).map { .string($0) })),
            ("settings_how", s?.how.map { .string($0) } ?? .null),
        ]
    }
}
