#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One environment variable, read when asked.
///
/// `ProcessInfo.processInfo.environment` builds a dictionary of the whole environment on every
/// call: 0.2–0.3 ms here, three times before a conversion wrote its first byte.
public enum EnvironmentVariable {
    /// The value of `name`, nil when unset.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
