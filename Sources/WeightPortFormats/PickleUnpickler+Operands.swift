import WeightPortCore

/// Inline operands, globals and the "calling" opcodes of the `Unpickler`.
extension Unpickler {
    mutating func readProto() throws {
        let version = try cursor.readUInt8("PROTO version")
        guard version <= 5 else {
            throw FormatError.unsupported("pickle protocol \(version) (newest known is 5)", offset: opOffset)
        }
        proto = Int(version)
    }

    /// A 4-byte length; BINSTRING's and LONG4's are signed and must not be negative.
    mutating func readLength4(signed: Bool, _ what: String) throws -> Int {
        let length = signed ? Int(try cursor.readLE(Int32.self, "\(what) length")) : Int(try cursor.readLE(UInt32.self, "\(what) length"))
        guard length >= 0 else { throw FormatError.malformed("\(what) declares a negative length \(length)", offset: opOffset) }
        try cursor.require(length, "\(what) payload")
        return length
    }

    mutating func readLength8(_ what: String) throws -> Int {
        let raw = try cursor.readLE(UInt64.self, "\(what) length")
        // Check against the bytes present before converting, so 2^63+ cannot wrap.
        guard raw <= UInt64(cursor.remaining) else {
            throw FormatError.truncated(what: "\(what) payload", offset: cursor.fileOffset, needed: Int(clamping: raw), available: cursor.remaining)
        }
        return Int(raw)
    }

    mutating func readUTF8(_ length: Int) throws -> String {
        let region = try cursor.readRegion(length, "string payload")
        return String(decoding: region.bytes, as: UTF8.self)
    }

    /// LONG1/LONG4: little-endian two's complement; `Int` when it fits, raw bytes otherwise.
    mutating func readLong(_ length: Int) throws -> PickleValue {
        guard length <= limits.maxBigIntBytes else {
            throw FormatError.limitExceeded("integer of \(length) bytes", offset: opOffset)
        }
        let bytes = try cursor.readBytes(length, "LONG payload")
        return PickleText.integer(fromTwosComplement: bytes)
    }

    mutating func readTextLine(_ what: String) throws -> [UInt8] {
        var line = try cursor.readLine(maxLength: 1 << 24, what)
        if line.last == 0x0D { line.removeLast() }
        return line
    }

    /// GLOBAL: `module\nname\n`, checked against the allow-list before anything else happens.
    mutating func readGlobal() throws -> PickleValue {
        let module = String(decoding: try cursor.readLine(maxLength: 1024, "GLOBAL module"), as: UTF8.self)
        let name = String(decoding: try cursor.readLine(maxLength: 1024, "GLOBAL name"), as: UTF8.self)
        return try resolve(module: module, name: name)
    }

    mutating func stackGlobal() throws -> PickleValue {
        let parts = try popItems(2)
        guard case .string(let module) = parts[0], case .string(let name) = parts[1] else {
            throw FormatError.malformed("STACK_GLOBAL needs two str operands", offset: opOffset)
        }
        return try resolve(module: module, name: name)
    }

    func resolve(module: String, name: String) throws -> PickleValue {
        let global = PickleAllowList.normalize(module: module, name: name)
        guard PickleAllowList.isAllowed(global) else {
            throw FormatError.disallowedGlobal(module: module, name: name, offset: opOffset)
        }
        return .global(global)
    }

    /// REDUCE and NEWOBJ: apply an allowed global to an argument tuple — as data, never as a call.
    mutating func reduce() throws {
        let parts = try popItems(2)
        guard case .global(let global) = parts[0] else {
            throw FormatError.malformed("pickle applies \(parts[0].kindDescription), which is not a global", offset: opOffset)
        }
        guard case .tuple(let args) = parts[1] else {
            throw FormatError.malformed("pickle applies \(global.qualifiedName) to \(parts[1].kindDescription), not a tuple", offset: opOffset)
        }
        copyBudget -= PickleReducer.copyCost(global, args.items)
        guard copyBudget >= 0 else {
            throw FormatError.limitExceeded("pickle copies far more data than the file holds", offset: opOffset)
        }
        try push(try PickleReducer.apply(global, args.items, depthLimit: limits.maxDepth, offset: opOffset))
    }

    /// BUILD: sets the state of the object (or the attributes of the dict) below it.
    mutating func build() throws {
        let state = try pop()
        let target = try top()
        switch target {
        case .object(let object):
            try requireMutable(object)
            try object.adopt(state, limit: limits.maxDepth, offset: opOffset)
            object.state = state
        case .dict(let dict):
            // OrderedDict `_metadata` (torch state dicts): kept, never interpreted as tensors.
            try requireMutable(dict)
            try dict.adopt(state, limit: limits.maxDepth, offset: opOffset)
            dict.attributes = state
        default:
            throw FormatError.malformed("pickle BUILD on \(target.kindDescription)", offset: opOffset)
        }
    }

    mutating func persistentID() throws {
        let pid = try pop()
        guard let persistentLoad else {
            throw FormatError.unsupported("pickle refers to external objects (persistent id) outside a torch archive", offset: opOffset)
        }
        try push(try persistentLoad(pid, opOffset))
    }
}
