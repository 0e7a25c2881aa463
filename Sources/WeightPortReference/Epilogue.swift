/// Per-channel passes over a finished output: bias, ReLU, residual add.
enum Epilogue {
    /// `x = relu?(x + bias[c])`, in place; does nothing when there is neither bias nor ReLU.
    static func addBias(_ bias: [Float]?, relu: Bool, to map: FeatureMap) {
        guard bias != nil || relu else { return }
        let plane = map.planeSize, channels = map.channels
        let base = SharedPointers(source: map.pointer, matrix: map.pointer)
        let shift = bias ?? []
        ChannelLoop.run(map.batch * channels, minimumWork: plane) { index in
            let values = base.source + index * plane
            let b = shift.isEmpty ? 0 : shift[index % channels]
            if relu {
                for i in 0..<plane { values[i] = max(values[i] + b, 0) }
            } else {
                for i in 0..<plane { values[i] += b }
            }
        }
    }

    /// `x = relu(x)`, in place.
    static func relu(_ map: FeatureMap) { addBias(nil, relu: true, to: map) }

    /// `target += addend`, then ReLU when asked, in place on `target`.
    static func add(_ addend: FeatureMap, to target: FeatureMap, relu: Bool) {
        precondition(addend.shape == target.shape, "add needs equal shapes")
        let plane = target.planeSize
        let pointers = SharedPointers(source: addend.pointer, matrix: target.pointer)
        ChannelLoop.run(target.batch * target.channels, minimumWork: plane) { index in
            let a = pointers.source + index * plane, t = pointers.matrix + index * plane
            if relu {
                for i in 0..<plane { t[i] = max(t[i] + a[i], 0) }
            } else {
                for i in 0..<plane { t[i] += a[i] }
            }
        }
    }
}
