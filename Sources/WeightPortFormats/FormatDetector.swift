import WeightPortCore

/// Identifies a file's format from its first bytes (FORMATS.md §1), never from its name.
public enum FormatDetector {
    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    static let torchLegacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    static let npyMagic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    public static func detect(_ bytes: ByteRegion) throws(FormatError) -> WeightFormat {
        guard bytes.count > 0 else { throw .empty }
        if hasPrefix(bytes, [0x50, 0x4B, 0x03, 0x04]) || hasPrefix(bytes, [0x50, 0x4B, 0x05, 0x06]) {
            return ZipDirectory.looksLikeTorchArchive(bytes) ? .torchZip : .npz
        }
        if hasPrefix(bytes, torchLegacyMagic) { return .torchLegacy }
        if hasPrefix(bytes, npyMagic) { return .npy }
        if hasHDF5Signature(bytes) { return .hdf5 }
        if looksLikeSafetensors(bytes) { return .safetensors }
        if looksLikePickle(bytes) { return .pickle }
        if looksLikeCaffe(bytes) { return .caffemodel }
        let head = (0..<min(8, bytes.count)).map { String(format2: bytes[$0]) }.joined(separator: " ")
        throw .unrecognized(firstBytes: head)
    }

    static func hasPrefix(_ bytes: ByteRegion, _ prefix: [UInt8], at offset: Int = 0) -> Bool {
        guard bytes.count >= offset + prefix.count else { return false }
        for (i, b) in prefix.enumerated() where bytes[offset + i] != b { return false }
        return true
    }

    /// HDF5 puts its signature at 0, or after a user block at 512, 1024, 2048, …
    static func hasHDF5Signature(_ bytes: ByteRegion) -> Bool {
        if hasPrefix(bytes, hdf5Signature) { return true }
        var offset = 512
        while offset + 8 <= bytes.count && offset <= 1 << 20 {
            if hasPrefix(bytes, hdf5Signature, at: offset) { return true }
            offset *= 2
        }
        return false
    }

    /// A plausible u64 LE header length, then `{` (after optional JSON whitespace). A length
    /// past the end still counts, so a truncated file gets the safetensors reader's precise error.
    static func looksLikeSafetensors(_ bytes: ByteRegion) -> Bool {
        guard bytes.count >= 10 else { return false }
        let n = bytes.base.loadUnaligned(as: UInt64.self).littleEndian
        guard n >= 2, n < 1 << 32 else { return false }
        var i = 8
        while i < bytes.count && [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        return i < bytes.count && bytes[i] == UInt8(ascii: "{")
    }

    /// PROTO opcode, or a protocol-0/1 opening (`(`, `}`, `]`, `c`, `)`).
    static func looksLikePickle(_ bytes: ByteRegion) -> Bool {
        let first = bytes[0]
        if first == 0x80 { return bytes.count >= 2 && bytes[1] <= 5 }
        return [UInt8(ascii: "("), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: "c"), UInt8(ascii: ")")].contains(first)
    }

    /// A protobuf tag for one of NetParameter's fields 1–8 (name, V1 layers, inputs, …) or 100
    /// (layer), in a file that does not read as text. With the wire type caffe.proto declares for
    /// the field it is a caffemodel; with another, a damaged one (so that the protobuf reader names
    /// the fault). Why the text rule: a tag byte for fields 1–8 is any of 0x08–0x47, which many
    /// text files start with: `#` (field 4, wire type 3), and with declared wire types a line feed
    /// (the name), a space (input_dim), `"`, `2` or `B`. A comment-headed `config.yaml` beside the
    /// weights was read as a damaged caffemodel and failed a whole zoo conversion. A declared tag
    /// also needs a second line to count as text: a model cut short inside its name (`\n` as the
    /// tag, then a length and printable bytes) keeps the protobuf reader's error.
    static func looksLikeCaffe(_ bytes: ByteRegion) -> Bool {
        let first = bytes[0]
        let layer = bytes.count >= 2 && first & 0xF8 == 0xA0 && bytes[1] == 0x06
        guard (1...8).contains(first >> 3) || layer else { return false }
        let wire = first & 7
        let declared: Bool
        switch layer ? 100 : first >> 3 {
        case 4: declared = wire == 0 || wire == 2      // input_dim, plain or packed
        case 5, 7: declared = wire == 0                // force_backward, debug_info
        default: declared = wire == 2                  // name, V1 layers, input, state, input_shape, layer
        }
        guard startsAsText(bytes) else { return true }
        return declared && !(1..<min(bytes.count, 256)).contains { bytes[$0] == 0x0A }
    }

    /// The first 256 bytes (or fewer) hold no control character but tab, line feed and carriage
    /// return: protobuf's lengths and tags put one in the first few bytes of any real model.
    static func startsAsText(_ bytes: ByteRegion) -> Bool {
        (0..<min(bytes.count, 256)).allSatisfy { i in
            let byte = bytes[i]
            return byte >= 0x20 && byte != 0x7F || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }
    }
}

extension String {
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
