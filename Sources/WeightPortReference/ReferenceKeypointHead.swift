import WeightPortModels
import WeightPortVocabulary

/// The keypoint head: pooled RoIs (`keypoint.pooled`), convs + ReLU, the 4×4/2 `score_lowres`
/// deconv, then ×2 the framework's way (`keypoint.logits`): Detectron's fixed bilinear deconv
/// (zero padding at the border) or `interpolate(bilinear, align_corners=False)`.
struct ReferenceKeypointHead: RunnableNode {
    let convs: [NormalizedConvolution]
    let scoreLowres: ConvTranspose2d
    let detectronUpsampler: ConvTranspose2d
    let interpolate: BilinearUpsample
    var needsBoxes: Bool { true }

    init(_ head: KeypointHead, parameters: ParameterSource) throws(LoadError) {
        convs = head.convolutions.map { NormalizedConvolution($0, parameters: parameters) }
        do {
            scoreLowres = try ConvTranspose2d(inChannels: head.spec.convs > 0 ? head.spec.dim : head.spec.inChannels,
                                              outChannels: head.spec.keypoints, kernel: 4, stride: 2, padding: 1,
                                              weights: parameters.floats(head.path + ".score_lowres.weight"),
                                              bias: parameters.floats(head.path + ".score_lowres.bias"))
            detectronUpsampler = try ConvTranspose2d.detectronBilinearUpsampler(channels: head.spec.keypoints)
            interpolate = try BilinearUpsample(scaleFactor: 2)
        } catch {
            throw .head(error)
        }
    }

    func run(_ state: inout ForwardState) throws(LoadError) {
        guard let settings = state.heads else { return }
        var x = try RoIPooling.pool(state, settings: settings, pooler: settings.keypoint)
        state.features["keypoint.pooled"] = x
        for conv in convs { x = conv.apply(x, pool: state.pool, relu: true) }
        do {
            x = try scoreLowres.apply(x, pool: state.pool)
            switch settings.keypointUpsampling {
            case .detectronDeconv: x = try detectronUpsampler.apply(x, pool: state.pool)
            case .bilinearInterpolate: x = try interpolate.apply(x, pool: state.pool)
            }
        } catch {
            throw .head(error)
        }
        state.features["keypoint.logits"] = x
    }
}
