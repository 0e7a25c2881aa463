/// Parameter shapes of the layers heads are made of, beside `ConvolutionLayer`.
enum HeadLayers {
    /// A fully connected layer: weight `[out, in]`, bias `[out]`.
    static func linear(_ path: String, in inFeatures: Int, out: Int) -> [ParameterSpec] {
        [ParameterSpec(path: path + ".weight", shape: [out, inFeatures], role: .linearWeight),
         ParameterSpec(path: path + ".bias", shape: [out], role: .linearBias)]
    }

    /// A transposed convolution: weight `[in, out, k, k]` (PyTorch's `ConvTranspose2d` and Caffe2's
    /// `ConvTranspose` layout), bias `[out]`.
    static func transposed(_ path: String, in inChannels: Int, out: Int, kernel: Int) -> [ParameterSpec] {
        [ParameterSpec(path: path + ".weight", shape: [inChannels, out, kernel, kernel], role: .convWeight),
         ParameterSpec(path: path + ".bias", shape: [out], role: .convBias)]
    }

    /// A 3×3, padding 1 conv of a head's tower, with bias unless it has a norm.
    static func tower(_ path: String, in inChannels: Int, out: Int, norm: NormSpec?) -> ConvolutionLayer {
        ConvolutionLayer(path: path, inChannels: inChannels, outChannels: out, kernel: 3, padding: 1,
                         hasBias: norm == nil, norm: norm)
    }
}
