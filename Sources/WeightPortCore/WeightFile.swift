/// Everything a reader found in one file: its tensors under the file's own names, and the rest.
public struct WeightFile: Sendable {
    /// Short format identifier, e.g. `detectron-pickle`, `torch-zip`, `caffemodel`.
    public var format: String
    public var tensors: StateDict
    /// Non-tensor content worth showing: configuration text, versions, checkpoint entries.
    public var metadata: [(String, JSONValue)]

    public init(format: String, tensors: StateDict, metadata: [(String, JSONValue)] = []) {
        self.format = format
        self.tensors = tensors
        self.metadata = metadata
    }

    public var metadataJSON: JSONValue { .object(metadata) }
}
