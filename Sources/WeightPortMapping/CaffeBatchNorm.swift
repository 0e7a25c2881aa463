import WeightPortCore

/// Caffe's BatchNorm (blobs mean·f, var·f, f) + Scale (gamma, beta) as one BatchNorm with true
/// statistics, computed the way Caffe's own layer does at test time (batch_norm_layer.cpp):
/// mean = blob0 / f and var = blob1 / f, both 0 when f = 0.
enum CaffeBatchNorm: TensorTransform {
    static let name = "caffe_batchnorm"

    /// Uses the layer's own eps (`GroupTransform.Parameters`), which Caffe declares per layer.
    static func toCanonical(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        guard let mean = slots["mean"], let variance = slots["var"], let factor = slots["factor"],
              let gamma = slots["gamma"], let beta = slots["beta"] else {
            throw .slots("caffe_batchnorm", Array(slots.keys))
        }
        let f = factor.floats()
        guard f.count == 1 else { throw .shape("Caffe BatchNorm moving-average factor has \(f.count) values, expected 1") }
        let scale: Float = f[0] == 0 ? 0 : 1 / f[0]
        let channels = gamma.count
        guard mean.count == channels, variance.count == channels, beta.count == channels else {
            throw .shape("Caffe BatchNorm/Scale blobs disagree on the channel count (\(mean.count), \(variance.count), \(channels), \(beta.count))")
        }
        var outcome = GroupTransform.Outcome(tensors: [
            "weight": gamma.contiguous(),
            "bias": beta.contiguous(),
            "running_mean": Tensor(float32: mean.floats().map { $0 * scale }, shape: [channels]),
            "running_var": Tensor(float32: variance.floats().map { $0 * scale }, shape: [channels]),
        ])
        if f[0] != 1 {
            outcome.invented.append("divided by Caffe's moving-average factor (blob 2 of the BatchNorm layer)")
            outcome.notedSlots = ["running_mean", "running_var"]
        }
        return outcome
    }

    /// Writes statistics with a factor of 1, which Caffe reads back as the same statistics.
    static func toForeign(_ slots: [String: Tensor], _ parameters: GroupTransform.Parameters) throws(TransformError) -> GroupTransform.Outcome {
        guard let weight = slots["weight"], let bias = slots["bias"],
              let mean = slots["running_mean"], let variance = slots["running_var"] else {
            throw .slots("caffe_batchnorm", Array(slots.keys))
        }
        return GroupTransform.Outcome(tensors: [
            "mean": mean.contiguous(), "var": variance.contiguous(),
            "factor": Tensor(float32: [1], shape: [1]),
            "gamma": weight.contiguous(), "beta": bias.contiguous(),
        ])
    }
}
