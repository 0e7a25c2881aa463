import WeightPortCore

/// A streaming reader of the protobuf wire format (proto2/proto3 encoding), no schema needed.
///
/// Each call to `next()` returns one field: its number, wire type and raw value. Length-delimited
/// payloads are zero-copy slices, checked against the bytes that remain before they are taken.
/// Groups (wire types 3/4) and the undefined wire types 6/7 are rejected; nested messages are
/// read with `nested(_:)`, which enforces a depth limit so a hostile file cannot recurse forever.
public struct ProtobufWireReader: Sendable {
    /// A field's raw value.
    public enum Value: Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited(ByteRegion)
        case fixed32(UInt32)
    }

    /// One decoded field.
    public struct Field: Sendable {
        public let number: Int
        public let value: Value
        /// File offset of the field's tag.
        public let offset: Int
        /// File offset of the value (for length-delimited fields, the payload's first byte).
        public let valueOffset: Int
    }

    /// Deepest message nesting accepted (Caffe needs 4: net, layer, blob, shape).
    public static let maxDepth = 32
    /// Largest valid field number (2^29 - 1).
    static let maxFieldNumber: UInt64 = (1 << 29) - 1

    private var cursor: ByteCursor
    public let depth: Int

    /// A reader over a message's bytes; `baseOffset` is where they start in the file.
    public init(_ bytes: ByteRegion, baseOffset: Int = 0, depth: Int = 0) {
        cursor = ByteCursor(bytes, baseOffset: baseOffset)
        self.depth = depth
    }

    public var isAtEnd: Bool { cursor.isAtEnd }

    /// The next field, or nil at the end of the message.
    public mutating func next() throws(FormatError) -> Field? {
        guard !cursor.isAtEnd else { return nil }
        let tagOffset = cursor.fileOffset
        let tag = try cursor.readVarint("protobuf tag")
        let number = tag >> 3
        guard number >= 1, number <= ProtobufWireReader.maxFieldNumber else {
            throw .malformed("protobuf field number \(number) is out of range", offset: tagOffset)
        }
        let valueOffset = cursor.fileOffset
        let value: Value
        switch tag & 7 {
        case 0: value = .varint(try cursor.readVarint("protobuf varint field \(number)"))
        case 1: value = .fixed64(try cursor.readLE(UInt64.self, "protobuf fixed64 field \(number)"))
        case 2:
            let length = try cursor.readVarint("protobuf length of field \(number)")
            let payloadOffset = cursor.fileOffset
            guard length <= UInt64(cursor.remaining) else {
                throw .truncated(what: "protobuf field \(number) of \(length) bytes", offset: payloadOffset,
                                 needed: Int(clamping: length), available: cursor.remaining)
            }
            return Field(number: Int(number), value: .lengthDelimited(try cursor.readRegion(Int(length))),
                         offset: tagOffset, valueOffset: payloadOffset)
        case 5: value = .fixed32(try cursor.readLE(UInt32.self, "protobuf fixed32 field \(number)"))
        case let wireType:
            let kind = wireType == 3 || wireType == 4 ? "a group, not supported" : "undefined"
            throw .malformed("protobuf wire type \(wireType) (\(kind)) in field \(number)", offset: tagOffset)
        }
        return Field(number: Int(number), value: value, offset: tagOffset, valueOffset: valueOffset)
    }

    /// Calls `body` with every remaining field of the message, in order (the reader itself is
    /// not advanced: it is a value).
    public func forEachField(_ body: (Field) throws(FormatError) -> Void) throws(FormatError) {
        var reader = self
        while let field = try reader.next() { try body(field) }
    }

    /// A reader over the embedded message in `field`, one level deeper.
    public func nested(_ field: Field) throws(FormatError) -> ProtobufWireReader {
        guard case .lengthDelimited(let bytes) = field.value else {
            throw .malformed("protobuf field \(field.number) should be a message (wire type 2)", offset: field.offset)
        }
        guard depth + 1 <= ProtobufWireReader.maxDepth else {
            throw .limitExceeded("protobuf messages nested deeper than \(ProtobufWireReader.maxDepth)", offset: field.offset)
        }
        return ProtobufWireReader(bytes, baseOffset: field.valueOffset, depth: depth + 1)
    }
}

extension ProtobufWireReader.Field {
    /// The UTF-8 text of a string field.
    public func string() throws(FormatError) -> String {
        guard case .lengthDelimited(let bytes) = value else {
            throw .malformed("protobuf field \(number) should be a string (wire type 2)", offset: offset)
        }
        return String(decoding: bytes.bytes, as: UTF8.self)
    }

    /// Integer values of a varint field: one value, or several when the field is packed.
    public func varints() throws(FormatError) -> [UInt64] {
        switch value {
        case .varint(let v): return [v]
        case .lengthDelimited(let bytes):
            var cursor = ByteCursor(bytes, baseOffset: valueOffset)
            var values: [UInt64] = []
            while !cursor.isAtEnd { values.append(try cursor.readVarint("packed varint in field \(number)")) }
            return values
        default: throw .malformed("protobuf field \(number) should be a varint", offset: offset)
        }
    }

    /// A single varint as a signed 64-bit value (int32/int64 negative values are sign-extended).
    public func int64() throws(FormatError) -> Int64 {
        guard case .varint(let v) = value else {
            throw .malformed("protobuf field \(number) should be a varint", offset: offset)
        }
        return Int64(bitPattern: v)
    }

    /// A single varint as an Int that must lie in 0...UInt32.max (uint32 fields).
    public func uint32() throws(FormatError) -> Int {
        let v = try int64()
        guard v >= 0, v <= Int64(UInt32.max) else {
            throw .malformed("protobuf field \(number) holds \(v), outside uint32", offset: offset)
        }
        return Int(v)
    }

    public func bool() throws(FormatError) -> Bool { try int64() != 0 }

    /// A single float field (wire type 5).
    public func float() throws(FormatError) -> Float {
        guard case .fixed32(let bits) = value else {
            throw .malformed("protobuf field \(number) should be a float (wire type 5)", offset: offset)
        }
        return Float(bitPattern: bits)
    }
}
