import WeightPortCore

// Decoding of the per-layer parameter messages, field numbers from BVLC caffe.proto
// (FORMATS.md §8). Unknown fields are skipped, as protobuf requires.

extension CaffeConvolutionParameter {
    init(_ message: ProtobufWireReader) throws(FormatError) {
        self.init()
        try message.forEachField { (field) throws(FormatError) in
            switch field.number {
            case 1: numOutput = try field.uint32()
            case 2: biasTerm = try field.bool()
            case 3: pad += try uint32s(field)
            case 4: kernelSize += try uint32s(field)
            case 5: group = try field.uint32()
            case 6: stride += try uint32s(field)
            case 9: padH = try field.uint32()
            case 10: padW = try field.uint32()
            case 11: kernelH = try field.uint32()
            case 12: kernelW = try field.uint32()
            case 13: strideH = try field.uint32()
            case 14: strideW = try field.uint32()
            case 16: axis = Int(try field.int64())
            case 18: dilation += try uint32s(field)
            default: break
            }
        }
    }
}

extension CaffePoolingParameter {
    init(_ message: ProtobufWireReader) throws(FormatError) {
        self.init()
        try message.forEachField { (field) throws(FormatError) in
            switch field.number {
            case 1:
                let value = try field.int64()
                guard let m = [Method.max, .average, .stochastic][safe: Int(value)] else {
                    throw .malformed("Caffe pooling method \(value) is not MAX, AVE or STOCHASTIC", offset: field.offset)
                }
                method = m
            case 2: kernelSize = try field.uint32()
            case 3: stride = try field.uint32()
            case 4: pad = try field.uint32()
            case 5: kernelH = try field.uint32()
            case 6: kernelW = try field.uint32()
            case 7: strideH = try field.uint32()
            case 8: strideW = try field.uint32()
            case 9: padH = try field.uint32()
            case 10: padW = try field.uint32()
            case 12: globalPooling = try field.bool()
            case 13:
                let value = try field.int64()
                guard let r = [RoundMode.ceil, .floor][safe: Int(value)] else {
                    throw .malformed("Caffe pooling round_mode \(value) is not CEIL or FLOOR", offset: field.offset)
                }
                roundMode = r
            default: break
            }
        }
    }
}

extension CaffeBatchNormParameter {
    init(_ message: ProtobufWireReader) throws(FormatError) {
        self.init()
        try message.forEachField { (field) throws(FormatError) in
            switch field.number {
            case 1: useGlobalStats = try field.bool()
            case 2: movingAverageFraction = try field.float()
            case 3: eps = try field.float()
            default: break
            }
        }
    }
}

extension CaffeScaleParameter {
    init(_ message: ProtobufWireReader) throws(FormatError) {
        self.init()
        try message.forEachField { (field) throws(FormatError) in
            switch field.number {
            case 1: axis = Int(truncatingIfNeeded: try field.int64())
            case 2: numAxes = Int(truncatingIfNeeded: try field.int64())
            case 4: biasTerm = try field.bool()
            default: break
            }
        }
    }
}

extension CaffeInnerProductParameter {
    init(_ message: ProtobufWireReader) throws(FormatError) {
        self.init()
        try message.forEachField { (field) throws(FormatError) in
            switch field.number {
            case 1: numOutput = try field.uint32()
            case 2: biasTerm = try field.bool()
            case 5: axis = Int(truncatingIfNeeded: try field.int64())
            case 6: transpose = try field.bool()
            default: break
            }
        }
    }
}

/// Values of a repeated uint32 field, packed or not.
private func uint32s(_ field: ProtobufWireReader.Field) throws(FormatError) -> [Int] {
    var out: [Int] = []
    for v in try field.varints() {
        guard v <= UInt64(UInt32.max) else {
            throw .malformed("protobuf field \(field.number) holds \(v), outside uint32", offset: field.offset)
        }
        out.append(Int(v))
    }
    return out
}

fileprivate extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
