import WeightPortCore

/// A torch storage referenced by a persistent id. Legacy files fill `region` only after the
/// object pickle has been read, so the field is mutable.
public final class PickleStorage {
    public let key: String
    /// Element type from the storage class; nil for `UntypedStorage` (the tensor names its dtype).
    public let dtype: DType?
    public var region: ByteRegion?
    public var byteOrder: ByteOrder
    init(key: String, dtype: DType?, region: ByteRegion?, byteOrder: ByteOrder = .little) {
        self.key = key
        self.dtype = dtype
        self.region = region
        self.byteOrder = byteOrder
    }
}
