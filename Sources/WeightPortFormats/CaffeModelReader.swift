import WeightPortCore

/// Reads Caffe `.caffemodel` files: one serialized `caffe.NetParameter` (proto2), decoded with
/// `ProtobufWireReader` against the field numbers of BVLC `caffe.proto` — no protoc, no schema.
///
/// **Tensor naming:** blob `i` of layer `L` is the tensor `L/i` — e.g. `conv1/0` (weight),
/// `conv1/1` (bias), `bn_conv1/2` (BatchNorm's scale factor). This is the pairing Caffe's own
/// HDF5 snapshots use (`/data/<layer>/<i>`). Blobs with `double_data` become float64 tensors;
/// packed float data is viewed in place (zero copy).
///
/// Both the current `layer` field (100, `LayerParameter`) and the deprecated `layers` field (2,
/// `V1LayerParameter`, whose enum type is translated to the V2 name, with a nested V0 layer
/// honoured) are read. The metadata holds `name` and `layers`: an array of
/// `{"name","type","bottom","top","blobs": n,"params": {...}}` with the Convolution, Pooling,
/// BatchNorm, Scale and InnerProduct parameters, defaults filled in.
public enum CaffeModelReader: WeightFileReader {
    public static func read(_ bytes: ByteRegion) throws -> WeightFile {
        let net = try readNet(bytes)
        var tensors = StateDict()
        for layer in net.layers {
            for (index, blob) in layer.blobs.enumerated() {
                let name = "\(layer.name)/\(index)"
                guard !tensors.contains(name) else {
                    throw FormatError.malformed("two Caffe layers named '\(layer.name)' both hold blobs", offset: nil)
                }
                tensors[name] = blob
            }
        }
        let metadata: [(String, JSONValue)] = [
            ("name", .string(net.name)),
            ("layers", .array(net.layers.map(\.json))),
        ]
        return WeightFile(format: WeightFormat.caffemodel.rawValue, tensors: tensors, metadata: metadata)
    }

    /// Decodes the whole net: layers, blobs and the parameters the mapping layer needs.
    public static func readNet(_ bytes: ByteRegion) throws(FormatError) -> CaffeNet {
        var reader = ProtobufWireReader(bytes)
        var name = ""
        var layers: [CaffeLayer] = []
        var v1Layers: [CaffeLayer] = []
        while let field = try reader.next() {
            switch field.number {
            case 1: name = try field.string()
            case 100: layers.append(try readLayer(try reader.nested(field)))
            case 2: v1Layers.append(try readV1Layer(try reader.nested(field)))
            default: break
            }
        }
        guard !layers.isEmpty || !v1Layers.isEmpty || !name.isEmpty else {
            throw .malformed("no Caffe NetParameter fields (name, layer, layers) found", offset: 0)
        }
        // Caffe upgrades V1 nets as a whole when `layers` is present; both never coexist in practice.
        return CaffeNet(name: name, layers: layers + v1Layers, isV1: !v1Layers.isEmpty && layers.isEmpty)
    }

    /// `LayerParameter`: name=1, type=2, bottom=3, top=4, blobs=7, *_param=106…142.
    static func readLayer(_ message: ProtobufWireReader) throws(FormatError) -> CaffeLayer {
        var reader = message
        var layer = CaffeLayer(name: "", type: "")
        var blobFields: [ProtobufWireReader.Field] = []
        while let field = try reader.next() {
            switch field.number {
            case 1: layer.name = try field.string()
            case 2: layer.type = try field.string()
            case 3: layer.bottoms.append(try field.string())
            case 4: layer.tops.append(try field.string())
            case 7: blobFields.append(field)
            case 106: layer.convolution = try CaffeConvolutionParameter(try reader.nested(field))
            case 117: layer.innerProduct = try CaffeInnerProductParameter(try reader.nested(field))
            case 121: layer.pooling = try CaffePoolingParameter(try reader.nested(field))
            case 139: layer.batchNorm = try CaffeBatchNormParameter(try reader.nested(field))
            case 142: layer.scale = try CaffeScaleParameter(try reader.nested(field))
            default: break
            }
        }
        for (index, field) in blobFields.enumerated() {
            layer.blobs.append(try CaffeBlobDecoder.decode(try reader.nested(field), name: "\(layer.name)/\(index)"))
        }
        fillDefaults(&layer)
        return layer
    }

    /// `V1LayerParameter`: bottom=2, top=3, name=4, type=5 (enum), blobs=6, params 10/17/19,
    /// and a nested V0 layer in field 1 (name=1, type=2 string, blobs=50).
    static func readV1Layer(_ message: ProtobufWireReader) throws(FormatError) -> CaffeLayer {
        var reader = message
        var layer = CaffeLayer(name: "", type: "")
        var blobFields: [ProtobufWireReader.Field] = []
        var v0: ProtobufWireReader?
        while let field = try reader.next() {
            switch field.number {
            case 1: v0 = try reader.nested(field)
            case 2: layer.bottoms.append(try field.string())
            case 3: layer.tops.append(try field.string())
            case 4: layer.name = try field.string()
            case 5: layer.type = CaffeModelReader.v1TypeName(try field.int64())
            case 6: blobFields.append(field)
            case 10: layer.convolution = try CaffeConvolutionParameter(try reader.nested(field))
            case 17: layer.innerProduct = try CaffeInnerProductParameter(try reader.nested(field))
            case 19: layer.pooling = try CaffePoolingParameter(try reader.nested(field))
            default: break
            }
        }
        if let v0, blobFields.isEmpty { try readV0(v0, into: &layer, blobFields: &blobFields) }
        for (index, field) in blobFields.enumerated() {
            layer.blobs.append(try CaffeBlobDecoder.decode(try reader.nested(field), name: "\(layer.name)/\(index)"))
        }
        fillDefaults(&layer)
        return layer
    }

    private static func readV0(_ message: ProtobufWireReader, into layer: inout CaffeLayer,
                               blobFields: inout [ProtobufWireReader.Field]) throws(FormatError) {
        var reader = message
        while let field = try reader.next() {
            switch field.number {
            case 1 where layer.name.isEmpty: layer.name = try field.string()
            case 2 where layer.type.isEmpty: layer.type = try field.string()
            case 50: blobFields.append(field)
            default: break
            }
        }
    }

    /// Layers whose parameter message is absent still have Caffe's default parameters.
    private static func fillDefaults(_ layer: inout CaffeLayer) {
        switch layer.type {
        case "Convolution" where layer.convolution == nil: layer.convolution = CaffeConvolutionParameter()
        case "Pooling" where layer.pooling == nil: layer.pooling = CaffePoolingParameter()
        case "BatchNorm" where layer.batchNorm == nil: layer.batchNorm = CaffeBatchNormParameter()
        case "Scale" where layer.scale == nil: layer.scale = CaffeScaleParameter()
        case "InnerProduct" where layer.innerProduct == nil: layer.innerProduct = CaffeInnerProductParameter()
        default: break
        }
    }

    /// V1 `LayerType` enum numbers (caffe.proto) to the names Caffe's V1→V2 upgrader gives them.
    static let v1TypeNames: [Int64: String] = [
        0: "", 35: "AbsVal", 1: "Accuracy", 30: "ArgMax", 2: "BNLL", 3: "Concat", 37: "ContrastiveLoss",
        4: "Convolution", 39: "Deconvolution", 5: "Data", 6: "Dropout", 32: "DummyData", 7: "EuclideanLoss",
        25: "Eltwise", 38: "Exp", 8: "Flatten", 9: "HDF5Data", 10: "HDF5Output", 28: "HingeLoss", 11: "Im2col",
        12: "ImageData", 13: "InfogainLoss", 14: "InnerProduct", 15: "LRN", 29: "MemoryData",
        16: "MultinomialLogisticLoss", 34: "MVN", 17: "Pooling", 26: "Power", 18: "ReLU", 19: "Sigmoid",
        27: "SigmoidCrossEntropyLoss", 36: "Silence", 20: "Softmax", 21: "SoftmaxWithLoss", 22: "Split",
        33: "Slice", 23: "TanH", 24: "WindowData", 31: "Threshold",
    ]

    static func v1TypeName(_ number: Int64) -> String { v1TypeNames[number] ?? "V1Type\(number)" }
}
