import WeightPortCore
import WeightPortFormats
import WeightPortHDF5

/// Opens any weight file WeightPort reads: maps it, detects the format from its bytes and
/// hands it to that format's reader.
public enum WeightFileLoader {
    /// When the file's pages are made present in memory.
    public enum Prefault: Sendable {
        /// On first touch: for reading names and shapes only.
        case lazily
        /// Before parsing: for callers computing with every value at once (statistics, verify).
        case upFront
        /// On another thread once the structure is parsed, while the caller maps names: for
        /// conversions, which read every value only when they write. (Doing it during parsing
        /// measured slower: both threads fault on the same pages.)
        case afterParsing
    }

    /// Reads the file at `path`. Every failure comes back as a `FileError` naming the file.
    public static func load(path: String, prefault: Prefault = .lazily) throws(FileError) -> WeightFile {
        let (file, bytes) = try loadMapped(path: path, prefault: prefault)
        if prefault == .afterParsing { bytes.prefaultInBackground() }
        return file
    }

    /// `load`, also returning the map, and leaving `.afterParsing`'s prefault to the caller (who
    /// may have more urgent work for the other core first).
    static func loadMapped(path: String, prefault: Prefault) throws(FileError) -> (WeightFile, ByteRegion) {
        do {
            let bytes = try MappedFile.map(path: path, prefault: prefault == .upFront)
            let format = try FormatDetector.detect(bytes)
            return (try read(format: format, bytes: bytes, path: path), bytes)
        } catch let error as FileError {
            throw error
        } catch let error as Diagnostic {
            throw FileError(path: path, underlying: error)
        } catch {
            throw FileError(path: path, underlying: UnexpectedError(description: String(describing: error)))
        }
    }

    /// The file and its map when its format is read from memory (not HDF5) and it reads without
    /// error; nil otherwise. For `PreparsedSource`, which leaves every other case to `loadMapped`.
    static func readInMemory(path: String) -> (WeightFile, ByteRegion)? {
        guard let bytes = try? MappedFile.map(path: path), let format = try? FormatDetector.detect(bytes),
              let file = try? MemoryReaders.read(bytes, as: format) else { return nil }
        return (file, bytes)
    }

    static func read(format: WeightFormat, bytes: ByteRegion, path: String) throws -> WeightFile {
        if let file = try MemoryReaders.read(bytes, as: format) { return file }
        // libhdf5 (in a child process) opens the file by path; datasets stored as they lie in
        // memory come back as slices of this map, the others in a memory file.
        return try HDF5TensorReader.read(path: path, mapped: bytes)
    }
}

/// An error tied to the file it happened in; the CLI prints it as `weightport: <path>: <what> (<where>)`.
public struct FileError: Error, Sendable {
    public let path: String
    /// The typed cause, kept as thrown (`FormatError.disallowedGlobal`, `MappingError`, …) so that
    /// library users can match it; the CLI renders only `what` and `location`.
    public let underlying: any Diagnostic

    public init(path: String, underlying: any Diagnostic) {
        self.path = path
        self.underlying = underlying
    }

    public var what: String { underlying.what }
    public var location: String? { underlying.location }

    /// Runs `body`, tying any diagnostic it throws to `path` (a `FileError` already names its
    /// file and passes through, as do errors that are not diagnostics).
    static func attributing<T>(to path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FileError {
            throw error
        } catch let error as any Diagnostic {
            throw FileError(path: path, underlying: error)
        }
    }
}

/// A failure no layer described (a bug, not bad input); shown with its Swift description.
struct UnexpectedError: Diagnostic, Sendable {
    let description: String
    var what: String { "internal error: \(description)" }
    var location: String? { nil }
}
