@testable import WeightPortMapping
import XCTest

/// A Detectron cfg is composed without Yams' default resolver (its regular expressions cost a
/// conversion about 5 ms); plain scalars must still read exactly as they did with it.
final class YAMLConfigResolverTests: XCTestCase {
    /// Spellings around every rule of the default resolver, and those `plain` reads differently.
    static let spellings = [
        "true", "True", "TRUE", "tRue", "yes", "no", "on", "off", "y", "false", "FALSE",
        "~", "null", "Null", "NULL", "nULL", "''",
        "0", "7", "-7", "+7", "007", "08", "-08", "0b101", "0o17", "0x1F", "1_000", "1:30", "123456789012",
        "1.5", "-1.5", "+1.5", "1.", "1.e3", "1e5", "1E5", "1e+5", "1e-05", "-1.0e-05", ".5", "-.5", "+.5",
        ".5e3", ".5e+3", ".5E-3", "-.5e+3", "1.5e", "5e", ".", "+", "1__0",
        ".inf", ".Inf", ".INF", "+.inf", "-.inf", "-.INF", ".iNf", "+.inF", ".nan", ".NaN", ".NAN", ".nAn", "-.nan",
        "nan", "inf", "Infinity", "2001-12-14", "<<", "=", "R-50", "abc", "1.0.0", "0.1.e2",
    ]

    func testPlainScalarsReadAsWithTheDefaultResolver() throws {
        for spelling in Self.spellings {
            let fast = try YAMLConfigTree.parse("key: \(spelling)\n")
            // An explicit `str` tag anywhere (here in a comment) keeps the default resolver.
            let resolved = try YAMLConfigTree.parse("# !!str\nkey: \(spelling)\n")
            // Compared as text: `.nan` never equals itself.
            XCTAssertEqual(String(describing: fast), String(describing: resolved), spelling)
        }
    }

    func testAnExplicitStrTagStillMakesText() throws {
        XCTAssertEqual(try YAMLConfigTree.parse("key: !!str 5\n")["key"], .string("5"))
        XCTAssertEqual(try YAMLConfigTree.parse("key: 5\n")["key"], .int(5))
    }
}
