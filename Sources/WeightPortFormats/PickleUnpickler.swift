import WeightPortCore

/// A data-only pickle virtual machine (protocols 0–5).
///
/// It executes the opcodes CPython writes for plain data, NumPy arrays and torch checkpoints,
/// resolves globals only through `PickleAllowList`, and never calls anything: an allowed global
/// applied to arguments becomes a `PickleObject` record that a reader interprets afterwards.
/// Every declared length is checked against the bytes present before anything is allocated,
/// and stack, memo, marks and nesting depth are bounded, so no input can trap, hang or exhaust memory.
public struct Unpickler {
    /// Safety bounds; the defaults are far above anything a real weight file needs.
    public struct Limits: Sendable {
        public var maxDepth = 1000
        public var maxMemo = 1 << 22
        public var maxStack = 1 << 22
        public var maxMarks = 1 << 20
        public var maxContainer = 1 << 26
        public var maxBigIntBytes = 1 << 12
        public init() {}
    }

    /// Called for BINPERSID with the persistent id and the opcode's file offset.
    public typealias PersistentLoad = (PickleValue, Int) throws -> PickleValue

    var cursor: ByteCursor
    let limits: Limits
    let persistentLoad: PersistentLoad?
    var stack: [PickleValue] = []
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]
    /// File offset of the opcode being executed, for error messages.
    var opOffset = 0
    /// Elements that REDUCE may still copy (bytes re-encoded, items gathered into sets/dicts).
    /// A memoized value fetched again costs a few bytes of file but a full copy each time, so
    /// the total is tied to the file size instead of being left to grow quadratically.
    var copyBudget: Int
    /// Protocol announced by PROTO (0 when absent).
    public internal(set) var proto = 0

    /// An unpickler over `region`, whose first byte lies at file offset `baseOffset`.
    public init(_ region: ByteRegion, baseOffset: Int = 0, limits: Limits = Limits(), persistentLoad: PersistentLoad? = nil) {
        self.cursor = ByteCursor(region, baseOffset: baseOffset)
        self.limits = limits
        self.persistentLoad = persistentLoad
        self.copyBudget = region.count * 4 + (1 << 20)
    }

    /// Offset of the next unread byte within the region (after `load`, the byte after STOP).
    public var position: Int { cursor.position }

    /// Moves to `position` within the region (for files holding several pickles back to back).
    public mutating func seek(to position: Int) throws {
        try cursor.seek(to: position)
    }

    /// Decodes one pickle starting at the current position and returns the object STOP yields.
    public mutating func load() throws -> PickleValue {
        stack.removeAll(keepingCapacity: true)
        marks.removeAll()
        memo.removeAll()
        while true {
            opOffset = cursor.fileOffset
            let op = try cursor.readUInt8("pickle opcode")
            if op == 0x2E {
                guard let top = stack.popLast() else {
                    throw FormatError.malformed("pickle STOP with an empty stack", offset: opOffset)
                }
                return top
            }
            try execute(op)
        }
    }

    /// Runs one opcode (everything except STOP).
    mutating func execute(_ op: UInt8) throws {
        switch op {
        case 0x80: try readProto()
        case 0x95: _ = try cursor.readLE(UInt64.self, "FRAME length")
        case 0x28: try pushMark()
        case 0x7D: try push(.dict(PickleDict()))
        case 0x5D: try push(.list(PickleList()))
        case 0x29: try push(.tuple(PickleTuple([])))
        case 0x8F: try push(.set(PickleList()))
        // The items are popped into a local before `makeTuple` & co. are named: written as
        // `push(makeTuple(try popMark()))`, Swift copies `self` for the non-mutating call first,
        // so the pop found the stack's buffer shared and copied the whole stack, on every tuple
        // (a Detectron pickle keeps ~1,100 items on the stack while it fills its dict).
        case 0x74: let items = try popMark(); try push(makeTuple(items))
        case 0x85, 0x86, 0x87: let items = try popItems(Int(op) - 0x84); try push(makeTuple(items))
        case 0x73: try setItems(try popItems(2))
        case 0x75: try setItems(try popMark())
        case 0x61: try appendItems(try popItems(1))
        case 0x65, 0x90: try appendItems(try popMark())
        case 0x91: let items = try popMark(); try push(makeFrozenSet(items))
        case 0x64: let items = try popMark(); try push(makeDict(items))
        case 0x6C: let items = try popMark(); try push(makeList(items))
        case 0x4E: try push(.none)
        case 0x88: try push(.bool(true))
        case 0x89: try push(.bool(false))
        case 0x30: try popAny()
        case 0x31: _ = try popMark()
        case 0x32: try push(try top())
        default: try executeData(op)
        }
    }

    /// Opcodes that read an inline argument: numbers, strings, globals, memo and calls.
    mutating func executeData(_ op: UInt8) throws {
        switch op {
        case 0x4B: try push(.int(Int(try cursor.readUInt8("BININT1"))))
        case 0x4D: try push(.int(Int(try cursor.readLE(UInt16.self, "BININT2"))))
        case 0x4A: try push(.int(Int(try cursor.readLE(Int32.self, "BININT"))))
        case 0x8A: try push(try readLong(Int(try cursor.readUInt8("LONG1 length"))))
        case 0x8B: try push(try readLong(try readLength4(signed: true, "LONG4")))
        case 0x47: try push(.float(Double(bitPattern: try cursor.readBE(UInt64.self, "BINFLOAT"))))
        case 0x58: try push(.string(try readUTF8(try readLength4(signed: false, "BINUNICODE"))))
        case 0x8C: try push(.string(try readUTF8(Int(try cursor.readUInt8("SHORT_BINUNICODE length")))))
        case 0x8D: try push(.string(try readUTF8(try readLength8("BINUNICODE8"))))
        case 0x55, 0x43: try push(.bytes(try cursor.readRegion(Int(try cursor.readUInt8("string length")), "string payload")))
        case 0x54: try push(.bytes(try cursor.readRegion(try readLength4(signed: true, "BINSTRING"), "BINSTRING payload")))
        case 0x42: try push(.bytes(try cursor.readRegion(try readLength4(signed: false, "BINBYTES"), "BINBYTES payload")))
        case 0x8E, 0x96: try push(.bytes(try cursor.readRegion(try readLength8("BINBYTES8"), "BINBYTES8 payload")))
        case 0x63: try push(try readGlobal())
        case 0x93: try push(try stackGlobal())
        case 0x52, 0x81: try reduce()
        case 0x62: try build()
        case 0x51: try persistentID()
        case 0x71: try memoPut(Int(try cursor.readUInt8("BINPUT index")))
        case 0x72: try memoPut(Int(try cursor.readLE(UInt32.self, "LONG_BINPUT index")))
        case 0x94: try memoPut(memo.count)
        case 0x68: try memoGet(Int(try cursor.readUInt8("BINGET index")))
        case 0x6A: try memoGet(Int(try cursor.readLE(UInt32.self, "LONG_BINGET index")))
        default: try executeText(op)
        }
    }

    /// Protocol-0 text opcodes, and the opcodes WeightPort refuses.
    mutating func executeText(_ op: UInt8) throws {
        switch op {
        case 0x49: try push(try PickleText.int(try readTextLine("INT"), offset: opOffset, maxBytes: limits.maxBigIntBytes))
        case 0x4C: try push(try PickleText.long(try readTextLine("LONG"), offset: opOffset, maxBytes: limits.maxBigIntBytes))
        case 0x46: try push(try PickleText.float(try readTextLine("FLOAT"), offset: opOffset))
        case 0x53: try push(.bytes(ByteRegion(copying: try PickleText.quotedString(try readTextLine("STRING"), offset: opOffset))))
        case 0x56: try push(.string(PickleText.rawUnicodeEscape(try readTextLine("UNICODE"))))
        case 0x70: try memoPut(try PickleText.decimal(try readTextLine("PUT"), offset: opOffset))
        case 0x67: try memoGet(try PickleText.decimal(try readTextLine("GET"), offset: opOffset))
        case 0x82, 0x83, 0x84: throw unsupported("EXT opcodes (copyreg extension registry)")
        case 0x69: throw unsupported("INST opcode (protocol-0 class instantiation)")
        case 0x6F: throw unsupported("OBJ opcode (protocol-1 class instantiation)")
        case 0x92: throw unsupported("NEWOBJ_EX opcode")
        case 0x50: throw unsupported("PERSID opcode (text persistent id)")
        case 0x97, 0x98: throw unsupported("out-of-band buffers (NEXT_BUFFER/READONLY_BUFFER)")
        default:
            throw FormatError.malformed("unknown pickle opcode 0x\(String(format2: op))", offset: opOffset)
        }
    }

    func unsupported(_ what: String) -> FormatError {
        .unsupported("pickle uses \(what)", offset: opOffset)
    }
}
