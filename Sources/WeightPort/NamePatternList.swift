import WeightPortMapping

/// `--allow-missing` / `--drop` patterns: fully anchored names where `*` stands for any text.
public struct NamePatternList: Sendable {
    public let texts: [String]
    let patterns: [NamePattern]

    /// No patterns: nothing allowed or dropped.
    public init() {
        texts = []
        patterns = []
    }

    public init(_ texts: [String]) throws {
        self.texts = texts
        var patterns: [NamePattern] = []
        for text in texts {
            do {
                patterns.append(try NamePattern(text))
            } catch {
                throw ConversionError.invalidOption("bad pattern '\(text)': \(error.what)")
            }
        }
        self.patterns = patterns
    }

    public func matches(_ name: String) -> Bool {
        patterns.anyMatches(name, context: MappingContext())
    }

    /// Names not matched by any pattern.
    public func unmatched(_ names: [String]) -> [String] { names.filter { !matches($0) } }
}
