#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The current time as ISO 8601 in UTC (`2026-11-30T07:40:12Z`), the spelling Foundation's
/// `ISO8601DateFormatter` gives by default.
///
/// Why not that formatter: its first use loads ICU's time-zone data, ~10 ms of a bundle export
/// (measured with strace: /usr/share/zoneinfo reads, then exit 10 ms later).
public enum UTCTimestamp {
    /// Now, to the second.
    public static func now() -> String {
        format(secondsSinceEpoch: Int(time(nil)))
    }

    /// `seconds` since 1970-01-01T00:00:00Z, formatted.
    public static func format(secondsSinceEpoch seconds: Int) -> String {
        var value = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&value, &parts) != nil else { return "1970-01-01T00:00:00Z" }
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = String(parts.tm_year + 1900)
        return "\(year)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
