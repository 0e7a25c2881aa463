/// Per-channel passes over a finished output: bias, ReLU, residual add.
enum Epilogue {
    /// `x = relu?(x + bias[c] + addend)`, in place; does nothing when there is nothing to do.
    static func finish(_ map: FeatureMap, bias: [Float]?, adding addend: FeatureMap? = nil, relu: Bool) {
        guard bias != nil || relu || addend != nil else { return }
        if let addend { precondition(addend.shape == map.shape, "add needs equal shapes") }
        let plane = map.planeSize, channels = map.channels
        let pointers = SharedPointers(source: addend?.pointer ?? map.pointer, matrix: map.pointer)
        let hasAddend = addend != nil
        let shift = bias ?? []
        ChannelLoop.run(map.batch * channels, minimumWork: plane) { index in
            let values = pointers.matrix + index * plane, other = pointers.source + index * plane
            let b = shift.isEmpty ? 0 : shift[index % channels]
            switch (hasAddend, relu) {
            case (true, true): for i in 0..<plane { values[i] = max(values[i] + b + other[i], 0) }
            case (true, false): for i in 0..<plane { values[i] += b + other[i] }
            case (false, true): for i in 0..<plane { values[i] = max(values[i] + b, 0) }
            case (false, false): for i in 0..<plane { values[i] += b }
            }
        }
    }

    /// `x = relu(x)`, in place.
    static func relu(_ map: FeatureMap) { finish(map, bias: nil, relu: true) }
}
