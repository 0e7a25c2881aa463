import WeightPortCore

/// Emits protocol-2 pickles using only opcodes PyTorch's `weights_only` unpickler accepts
/// (FORMATS.md §4.7 item 5), plus SHORT_BINSTRING/BINSTRING for Python 2 `str` (Detectron).
///
/// `write` uses no memo (no BINPUT/BINGET): every value is emitted in full, which is what CPython's
/// pickler produces with `fast = True`, so small outputs can be compared byte for byte with it.
/// `memoize`/`memoGet`/`pop` exist for `DetectronPickleStream`, which emits arrays before the
/// dictionary that names them.
/// Opcode choices follow CPython: BININT1/BININT2/BININT/LONG1 by magnitude, TUPLE1-3 for short
/// tuples, SETITEM/APPEND for one-item containers and MARK…SETITEMS/APPENDS batches of 1000 otherwise.
public struct PickleWriter {
    /// How Python `str` values are spelled.
    public enum StringStyle: Sendable {
        /// BINUNICODE for every string (Python 3 `str`; required by torch's weights_only loader).
        case unicode
        /// SHORT_BINSTRING/BINSTRING for ASCII text (Python 2 `str`, read as `str` by Python 3
        /// with `encoding='latin1'`), BINUNICODE for anything else.
        case python2
    }

    /// The pickle emitted so far (starting with `PROTO 2` unless taken).
    public private(set) var bytes: [UInt8]
    public let stringStyle: StringStyle
    static let batchSize = 1000

    /// A writer whose output starts with `PROTO 2`.
    public init(stringStyle: StringStyle = .unicode) {
        self.stringStyle = stringStyle
        bytes = [Op.proto, 2]
        bytes.reserveCapacity(1 << 16)
    }

    /// Returns the bytes emitted so far and empties the buffer (for streaming large payloads).
    public mutating func takeBytes() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    // MARK: - Scalars

    public mutating func stop() { bytes.append(Op.stop) }
    public mutating func mark() { bytes.append(Op.mark) }
    public mutating func none() { bytes.append(Op.none) }
    public mutating func reduce() { bytes.append(Op.reduce) }
    public mutating func build() { bytes.append(Op.build) }
    public mutating func persistentID() { bytes.append(Op.binpersid) }
    public mutating func emptyTuple() { bytes.append(Op.emptyTuple) }
    /// TUPLE: the items since the last MARK.
    public mutating func tupleFromMark() { bytes.append(Op.tuple) }
    public mutating func bool(_ value: Bool) { bytes.append(value ? Op.newTrue : Op.newFalse) }

    /// An int in CPython's smallest encoding: BININT1, BININT2, BININT, else LONG1.
    public mutating func int(_ value: Int) {
        if value >= 0 && value < 0x100 {
            bytes += [Op.binint1, UInt8(value)]
        } else if value >= 0 && value < 0x1_0000 {
            bytes.append(Op.binint2)
            appendLE(UInt16(value))
        } else if value >= Int(Int32.min) && value <= Int(Int32.max) {
            bytes.append(Op.binint)
            appendLE(UInt32(bitPattern: Int32(value)))
        } else {
            let encoded = PickleWriter.long1Bytes(value)
            bytes += [Op.long1, UInt8(encoded.count)] + encoded
        }
    }

    /// BINFLOAT: the one big-endian item in binary pickles.
    public mutating func float(_ value: Double) {
        bytes.append(Op.binfloat)
        withUnsafeBytes(of: value.bitPattern.bigEndian) { bytes += $0 }
    }

    /// A Python `str` in the writer's string style.
    public mutating func string(_ value: String) {
        if stringStyle == .python2, value.utf8.allSatisfy({ $0 < 0x80 }) {
            byteString(Array(value.utf8))
        } else {
            unicode(value)
        }
    }

    /// BINUNICODE: u32 LE length + UTF-8.
    public mutating func unicode(_ value: String) {
        let utf8 = Array(value.utf8)
        bytes.append(Op.binunicode)
        appendLE(UInt32(utf8.count))
        bytes += utf8
    }

    /// A Python 2 `str` (raw bytes): SHORT_BINSTRING below 256 bytes, else BINSTRING.
    public mutating func byteString(_ payload: [UInt8]) {
        byteStringHeader(count: payload.count)
        bytes += payload
    }

    /// The opcode and length of a Python 2 `str` whose `count` payload bytes the caller appends
    /// (streamed to the output after `takeBytes()`, so array data is never copied into the pickle).
    public mutating func byteStringHeader(count: Int) {
        if count < 0x100 {
            bytes += [Op.shortBinstring, UInt8(count)]
        } else {
            bytes.append(Op.binstring)
            appendLE(UInt32(truncatingIfNeeded: count))
        }
    }

    /// GLOBAL `module\nname\n`.
    public mutating func global(_ module: String, _ name: String) {
        bytes.append(Op.global)
        bytes += Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }

    // MARK: - Containers

    /// A tuple of `count` items that `items` emits: EMPTY_TUPLE, TUPLE1-3, or MARK…TUPLE.
    public mutating func tuple(count: Int, _ items: (inout PickleWriter) throws -> Void) rethrows {
        switch count {
        case 0:
            bytes.append(Op.emptyTuple)
        case 1...3:
            try items(&self)
            bytes.append(Op.tuple1 + UInt8(count - 1))
        default:
            bytes.append(Op.mark)
            try items(&self)
            bytes.append(Op.tuple)
        }
    }

    /// A tuple of ints (shapes, strides).
    public mutating func intTuple(_ values: [Int]) {
        tuple(count: values.count) { writer in for value in values { writer.int(value) } }
    }

    /// Adds `count` items to the dict (or OrderedDict) on the stack; `item(writer, i)` emits key i then value i.
    public mutating func setItems(count: Int, _ item: (inout PickleWriter, Int) throws -> Void) rethrows {
        try batches(count: count, single: Op.setitem, many: Op.setitems, item)
    }

    /// Adds `count` items to the list on the stack; `item(writer, i)` emits item i.
    public mutating func appends(count: Int, _ item: (inout PickleWriter, Int) throws -> Void) rethrows {
        try batches(count: count, single: Op.append, many: Op.appends, item)
    }

    private mutating func batches(count: Int, single: UInt8, many: UInt8,
                                  _ item: (inout PickleWriter, Int) throws -> Void) rethrows {
        // CPython (batch_list_exact / batch_dict_exact): a one-item container uses the single
        // opcode; otherwise every batch, even a trailing one-item batch, is MARK … many.
        if count == 1 {
            try item(&self, 0)
            bytes.append(single)
            return
        }
        var start = 0
        while start < count {
            let end = min(start + PickleWriter.batchSize, count)
            bytes.append(Op.mark)
            for i in start..<end { try item(&self, i) }
            bytes.append(many)
            start = end
        }
    }

    /// Stores the top of the stack in memo slot `index` (BINPUT, or LONG_BINPUT past 255).
    public mutating func memoize(_ index: Int) { memo(index, short: Op.binput, long: Op.longBinput) }

    /// Pushes memo slot `index` (BINGET, or LONG_BINGET past 255).
    public mutating func memoGet(_ index: Int) { memo(index, short: Op.binget, long: Op.longBinget) }

    private mutating func memo(_ index: Int, short: UInt8, long: UInt8) {
        if index < 256 {
            bytes += [short, UInt8(index)]
        } else {
            bytes.append(long)
            appendLE(UInt32(index))
        }
    }

    /// Discards the top of the stack (POP).
    public mutating func pop() { bytes.append(Op.pop) }

    // MARK: - Values

    /// Emits `value`; `tensor` encodes each tensor leaf in the caller's format.
    public mutating func write(_ value: PickleWritable,
                               tensor: (inout PickleWriter, Tensor) throws -> Void) rethrows {
        switch value {
        case .none: none()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .float(let d): float(d)
        case .string(let s): string(s)
        case .tensor(let t): try tensor(&self, t)
        case .tuple(let items):
            try tuple(count: items.count) { writer in
                for item in items { try writer.write(item, tensor: tensor) }
            }
        case .list(let items):
            bytes.append(Op.emptyList)
            try appends(count: items.count) { writer, i in try writer.write(items[i], tensor: tensor) }
        case .dict(let pairs):
            bytes.append(Op.emptyDict)
            try writePairs(pairs, tensor: tensor)
        case .orderedDict(let pairs):
            // What CPython emits for OrderedDict.__reduce__: class, no args, then the items.
            global("collections", "OrderedDict")
            bytes += [Op.emptyTuple, Op.reduce]
            try writePairs(pairs, tensor: tensor)
        }
    }

    private mutating func writePairs(_ pairs: [(PickleWritable, PickleWritable)],
                                     tensor: (inout PickleWriter, Tensor) throws -> Void) rethrows {
        try setItems(count: pairs.count) { writer, i in
            try writer.write(pairs[i].0, tensor: tensor)
            try writer.write(pairs[i].1, tensor: tensor)
        }
    }

    // MARK: - Encoding helpers

    private mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    /// LONG1 payload: minimal little-endian two's complement, as CPython's `encode_long`.
    static func long1Bytes(_ value: Int) -> [UInt8] {
        if value == 0 { return [] }
        let magnitudeBits = value >= 0 ? Int.bitWidth - value.leadingZeroBitCount
                                       : Int.bitWidth - (~value).leadingZeroBitCount
        var count = (magnitudeBits >> 3) + 1
        count = min(count, 8)
        var out = withUnsafeBytes(of: value.littleEndian) { Array($0.prefix(count)) }
        // CPython sizes negatives like their bit_length and then drops a redundant 0xFF byte.
        if value < 0, out.count > 1, out[out.count - 1] == 0xFF, out[out.count - 2] & 0x80 != 0 {
            out.removeLast()
        }
        return out
    }

    enum Op {
        static let proto: UInt8 = 0x80, stop: UInt8 = 0x2E, mark: UInt8 = 0x28
        static let emptyDict: UInt8 = 0x7D, emptyList: UInt8 = 0x5D, emptyTuple: UInt8 = 0x29
        static let tuple: UInt8 = 0x74, tuple1: UInt8 = 0x85
        static let setitem: UInt8 = 0x73, setitems: UInt8 = 0x75, append: UInt8 = 0x61, appends: UInt8 = 0x65
        static let none: UInt8 = 0x4E, newTrue: UInt8 = 0x88, newFalse: UInt8 = 0x89
        static let binint1: UInt8 = 0x4B, binint2: UInt8 = 0x4D, binint: UInt8 = 0x4A, long1: UInt8 = 0x8A
        static let binfloat: UInt8 = 0x47, binunicode: UInt8 = 0x58
        static let shortBinstring: UInt8 = 0x55, binstring: UInt8 = 0x54
        static let global: UInt8 = 0x63, reduce: UInt8 = 0x52, build: UInt8 = 0x62, binpersid: UInt8 = 0x51
        static let binput: UInt8 = 0x71, longBinput: UInt8 = 0x72, binget: UInt8 = 0x68, longBinget: UInt8 = 0x6A
        static let pop: UInt8 = 0x30
    }
}
