/// A closed set of words a mapping table, an architecture file or a bundle may spell.
///
/// Every value the hub's layers share (norm kinds, pool rounding, checkpoint layouts, flags…) is
/// one of these, so a misspelt `norm: batchnrom` is an error where it is read, never a silent
/// fallback to a default somewhere downstream.
public protocol VocabularyTerm: RawRepresentable, CaseIterable, Sendable, Hashable, Codable where RawValue == String {
    /// What the term is called in messages (`norm kind`, `architecture flag`).
    static var termName: String { get }
}

extension VocabularyTerm {
    /// The term spelt `text`, or an error listing the spellings there are.
    public static func parse(_ text: String) throws(VocabularyError) -> Self {
        guard let value = Self(rawValue: text) else {
            throw VocabularyError(term: termName, value: text, known: allCases.map(\.rawValue))
        }
        return value
    }
}

/// A word that is not in its vocabulary.
public struct VocabularyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let term: String
    public let value: String
    public let known: [String]

    public var description: String {
        "unknown \(term) '\(value)' (known: \(known.joined(separator: ", ")))"
    }
}
