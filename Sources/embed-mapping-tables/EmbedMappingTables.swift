// Build-time generator for the EmbedMappingTables plugin: writes a Swift file holding every given
// mapping table's text as a raw string literal.
//     embed-mapping-tables OUTPUT.swift TABLE.yaml…
import Foundation

/// A raw multi-line literal whose `#` count is one more than the longest run of `#` in `text`,
/// so neither its closing delimiter nor an escape can occur inside it.
func literal(_ text: String) -> String {
    var longest = 0, run = 0
    for character in text {
        run = character == "#" ? run + 1 : 0
        longest = max(longest, run)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    // The line break just before the closing delimiter is not part of the string.
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

/// An `@main` type rather than top-level code: the fuzz build (`--sanitize=fuzzer`) compiles every
/// executable as a library, since libFuzzer brings its own `main`.
@main
enum EmbedMappingTables {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let output = arguments.first else {
            FileHandle.standardError.write(Data("usage: embed-mapping-tables OUTPUT.swift TABLE.yaml...\n".utf8))
            exit(2)
        }
        var source = """
        // Generated at build time by the EmbedMappingTables plugin from mappings/*.yaml; do not edit.

        enum EmbeddedMappingTables {
            /// (file name, YAML text) of every table, sorted by file name.
            static let files: [(name: String, text: String)] = [

        """
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("embed-mapping-tables: \(path): cannot read the file\n".utf8))
                exit(1)
            }
            let name = URL(fileURLWithPath: path).lastPathComponent
            source += "        (\"\(name)\", \(literal(String(decoding: data, as: UTF8.self)))),\n"
        }
        source += "    ]\n}\n"
        // An unchanged file keeps its date, so the module is not recompiled when only the build plan changed.
        if FileManager.default.contents(atPath: output) == Data(source.utf8) { exit(0) }
        do {
            try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("embed-mapping-tables: \(output): \(error.localizedDescription)\n".utf8))
            exit(1)
        }
    }
}
