import WeightPortCore

/// A named, exact, two-way rewrite of the tensors one rule relates (e.g. Caffe BatchNorm +
/// Scale ↔ one BatchNorm). Every transform is defined foreign → canonical and back; a direction
/// that has to invent values says so in its outcome.
public protocol TensorTransform: Sendable {
    /// The name tables use (`transform: caffe_batchnorm`).
    static var name: String { get }
    static func toCanonical(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome
    static func toForeign(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome
}

/// The transforms a table may name: a new one is one file and one line here.
public enum TransformRegistry {
    static var all: [any TensorTransform.Type] {
        [IdentityTransform.self, CaffeBatchNorm.self, BackgroundLastTransform.self,
         DropBackgroundBoxRowsTransform.self, DropBackgroundMaskChannelTransform.self]
    }

    /// The transform tables spell `name`, nil for none.
    public static func transform(named name: String) -> (any TensorTransform.Type)? {
        all.first { $0.name == name }
    }

    /// Every name a table may use.
    public static var names: [String] { all.map { $0.name } }

    /// The transforms that move a predictor's background class from last to first: a table that
    /// uses them must declare `background_class: last`, and one that declares it must use them.
    static let backgroundLast: Set<String> = [BackgroundLastTransform.name, DropBackgroundBoxRowsTransform.name,
                                              DropBackgroundMaskChannelTransform.name]
}
