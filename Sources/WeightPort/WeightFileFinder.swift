import Foundation
import WeightPortCore
import WeightPortFormats

/// Expands the sources of a model-zoo conversion into weight files: folders are walked
/// recursively and a file is kept when its first bytes are a format WeightPort reads, whatever
/// its name; files named explicitly are always kept (an unreadable one then fails on its own).
enum WeightFileFinder {
    /// The weight files under `sources`, each once, leaving out everything below `excluding`
    /// (the output folder, when it sits inside a source folder).
    static func files(in sources: [String], excluding: String? = nil) -> [String] {
        let excluded = excluding.map(canonical)
        var seen = Set<String>()
        var out: [String] = []
        for source in sources {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: source, isDirectory: &isFolder)
            let found = exists && isFolder.boolValue ? folderFiles(source, excluding: excluded) : [source]
            for path in found where seen.insert(canonical(path)).inserted { out.append(path) }
        }
        return out
    }

    /// Whether the file's bytes are a format WeightPort reads.
    static func isWeightFile(_ path: String) -> Bool {
        guard let bytes = try? MappedFile.map(path: path) else { return false }
        return (try? FormatDetector.detect(bytes)) != nil
    }

    private static func folderFiles(_ folder: String, excluding: String?) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            let path = (folder as NSString).appendingPathComponent(relative)
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") || excluding == canonical(path) {
                walker.skipDescendants()
                continue
            }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            if isWeightFile(path) { out.append(path) }
        }
        return out.sorted()
    }

    private static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
