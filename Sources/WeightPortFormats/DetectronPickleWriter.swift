import WeightPortCore

/// Writes Detectron (Caffe2) weight pickles: protocol 2, tensors as numpy arrays, text as
/// Python 2 `str` — the bytes Python 2.7 + numpy 1.x `cPickle` produce (CONVENTIONS.md §1.2).
///
/// Arrays use the numpy-1 global `numpy.core.multiarray._reconstruct`, which numpy 2 still
/// resolves for old pickles, and carry their data as a raw SHORT_BINSTRING/BINSTRING payload.
/// Python 2 loads that as `str`; Python 3 needs `pickle.load(f, encoding='latin1')`, exactly
/// as Detectron and detectron2 load these files. Array bytes are streamed from the source
/// mapping, never gathered into one buffer.
public enum DetectronPickleWriter {
    /// Which of Detectron's two top-level layouts to write.
    public enum Layout: Sendable {
        /// A trained model (`model_final.pkl`): `{'blobs': {name: array}, 'cfg': yaml}`.
        case trainedModel(cfg: String)
        /// An ImageNet backbone (`R-50.pkl`): `{name: array}`.
        case flat
    }

    /// Writes `blobs` in `layout` to `path`.
    public static func write(_ blobs: StateDict, to path: String, layout: Layout, overwrite: Bool = false) throws {
        try write(object(blobs, layout: layout), to: path, overwrite: overwrite)
    }

    /// The value `layout` pickles for `blobs`.
    public static func object(_ blobs: StateDict, layout: Layout) -> PickleWritable {
        let arrays = PickleWritable.stringDict(blobs.map { ($0.name, .tensor($0.tensor)) })
        switch layout {
        case .flat: return arrays
        case .trainedModel(let cfg): return .stringDict([("blobs", arrays), ("cfg", .string(cfg))])
        }
    }

    /// Writes any data-only value, tensors as numpy arrays and ASCII strings as Python 2 `str`.
    public static func write(_ object: PickleWritable, to path: String, overwrite: Bool = false) throws {
        try checkDTypes(object)
        try AtomicFileWriter.write(to: path, overwrite: overwrite) { sink in
            sink.reserve(object.estimatedPickleSize)
            var writer = PickleWriter(stringStyle: .python2)
            try writer.write(object) { writer, tensor in try writeArray(tensor, with: &writer, to: sink) }
            writer.stop()
            try sink.write(writer.takeBytes())
        }
    }

    /// Emits one numpy array, its payload streamed to `sink` straight from the tensor's bytes.
    static func writeArray(_ tensor: Tensor, with writer: inout PickleWriter, to sink: AtomicFileWriter) throws(WriterError) {
        try encodeArrayHead(tensor, into: &writer)
        writer.byteStringHeader(count: tensor.byteCount)
        try sink.write(writer.takeBytes())
        try sink.write(WriterTensorBytes.littleEndian(tensor))
        writer.tupleFromMark()
        writer.build()
    }

    /// Everything of numpy's array reduce before the data payload (FORMATS.md §3.1–3.2):
    /// `_reconstruct(ndarray, (0,), 'b')`, then MARK, version 1, shape, dtype, Fortran flag.
    static func encodeArrayHead(_ tensor: Tensor, into writer: inout PickleWriter) throws(WriterError) {
        guard let (typestr, endian) = numpyType(tensor.dtype) else {
            throw .unsupportedDType(tensor: "", dtype: tensor.dtype, format: "numpy pickle")
        }
        writer.global("numpy.core.multiarray", "_reconstruct")
        writer.tuple(count: 3) { args in
            args.global("numpy", "ndarray")
            args.intTuple([0])
            args.byteString([UInt8(ascii: "b")])
        }
        writer.reduce()
        writer.mark()
        writer.int(1)
        writer.intTuple(tensor.shape)
        // dtype('f4', 0, 1) with state (3, '<', None, None, None, -1, -1, 0); numpy 1.x under
        // Python 2 passes the align/copy flags as ints, which numpy 2 accepts as well.
        writer.global("numpy", "dtype")
        writer.tuple(count: 3) { args in
            args.byteString(Array(typestr.utf8))
            args.int(0)
            args.int(1)
        }
        writer.reduce()
        writer.mark()
        writer.int(3)
        writer.byteString(Array(endian.utf8))
        writer.none()
        writer.none()
        writer.none()
        writer.int(-1)
        writer.int(-1)
        writer.int(0)
        writer.tupleFromMark()
        writer.build()
        writer.bool(false)
    }

    /// numpy typestr and byte-order character; nil for types numpy lacks (bfloat16, float8).
    static func numpyType(_ dtype: DType) -> (String, String)? {
        switch dtype {
        case .float32: return ("f4", "<")
        case .float16: return ("f2", "<")
        case .float64: return ("f8", "<")
        case .int8: return ("i1", "|")
        case .int16: return ("i2", "<")
        case .int32: return ("i4", "<")
        case .int64: return ("i8", "<")
        case .uint8: return ("u1", "|")
        case .uint16: return ("u2", "<")
        case .uint32: return ("u4", "<")
        case .uint64: return ("u8", "<")
        case .bool: return ("b1", "|")
        case .complex64: return ("c8", "<")
        case .complex128: return ("c16", "<")
        case .bfloat16, .float8_e4m3fn, .float8_e5m2: return nil
        }
    }

    /// Refuses unsupported element types before any file is created, naming the tensor.
    static func checkDTypes(_ value: PickleWritable, path: String = "") throws(WriterError) {
        switch value {
        case .tensor(let t):
            if numpyType(t.dtype) == nil { throw .unsupportedDType(tensor: path, dtype: t.dtype, format: "numpy pickle") }
        case .list(let items), .tuple(let items):
            for (i, item) in items.enumerated() { try checkDTypes(item, path: "\(path)[\(i)]") }
        case .dict(let pairs), .orderedDict(let pairs):
            for (key, item) in pairs {
                let name: String
                if case .string(let s) = key { name = s } else { name = "\(path)[…]" }
                try checkDTypes(item, path: path.isEmpty ? name : path + "/" + name)
            }
        case .none, .bool, .int, .float, .string:
            break
        }
    }
}
