import WeightPortCore
import WeightPortFormats
import WeightPortHDF5
import WeightPortMapping

/// What every fuzz target does with libFuzzer's bytes: copy them into an exactly sized region
/// (so AddressSanitizer sees any read past the end), hand them to one reader, and then use the
/// result the way the CLI would — every tensor's bytes gathered, metadata serialised, an
/// error's text formatted — so that a reader which accepts bad input and leaves the trap for
/// later is caught here too.
public enum FuzzInput {
    /// Tensors with more elements than this are only described, not gathered: a valid small
    /// header may declare a large zero-filled view, and copying it says nothing new.
    static let gatherLimit = 1 << 16

    /// Runs `body` on the input and exercises its outcome. Always returns 0 (libFuzzer's "keep").
    public static func run(_ data: UnsafePointer<UInt8>?, _ size: Int,
                           _ body: (ByteRegion) throws -> WeightFile) -> Int32 {
        let region = data.map { ByteRegion(copying: UnsafeBufferPointer(start: $0, count: size)) } ?? .empty
        do {
            exercise(try body(region))
        } catch {
            describe(error)
        }
        return 0
    }

    /// Any bytes: the format detector, then the reader it chose. HDF5 stops at detection: the
    /// `hdf5` target drives libhdf5 on its own, where its crashes are told apart from ours.
    public static func readAny(_ bytes: ByteRegion) throws -> WeightFile {
        try MemoryReaders.read(bytes, as: try FormatDetector.detect(bytes))
            ?? WeightFile(format: WeightFormat.hdf5.rawValue, tensors: StateDict())
    }

    /// A mapping table from the bytes as UTF-8 text (invalid sequences become U+FFFD, as
    /// `String(data:encoding:)` would refuse them before the loader ever saw them).
    public static func loadTable(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let text = data.map { String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self) } ?? ""
        do {
            let table = try MappingTable(yaml: text, file: "fuzz.yaml")
            _ = table.flags(revealedBy: ["conv1.weight", "res2_0_branch2a_w", "layer1.0.conv1.weight"])
        } catch {
            describe(error)
        }
        return 0
    }

    static func exercise(_ file: WeightFile) {
        var checksum: UInt8 = 0
        for (name, tensor) in file.tensors {
            checksum &+= UInt8(truncatingIfNeeded: name.utf8.count &+ tensor.rank)
            guard tensor.count <= gatherLimit else { continue }
            let bytes = tensor.contiguousBytes()
            if bytes.count > 0 { checksum &+= bytes[0] &+ bytes[bytes.count - 1] }
        }
        checksum &+= UInt8(truncatingIfNeeded: file.metadataJSON.serialized().utf8.count)
        blackHole(checksum)
    }

    static func describe(_ error: any Error) {
        if let diagnostic = error as? any Diagnostic {
            blackHole(UInt8(truncatingIfNeeded: diagnostic.what.utf8.count &+ (diagnostic.location?.utf8.count ?? 0)))
        } else {
            blackHole(UInt8(truncatingIfNeeded: String(describing: error).utf8.count))
        }
    }

    /// Keeps the optimiser from dropping the work above as unused.
    @inline(never) static func blackHole(_ value: UInt8) {
        if value == 0x5A && sink == 0x5A { sink = 0 } else { sink = value }
    }

    nonisolated(unsafe) static var sink: UInt8 = 0
}
