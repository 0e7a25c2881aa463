import WeightPortCore

/// An NCHW float32 activation.
public struct FeatureMap: Sendable {
    public let batch: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    /// Holds at least `count` floats; may be larger (recycled).
    public let buffer: FloatBuffer

    /// A map over `buffer`, which must hold at least `batch·channels·height·width` floats.
    public init(batch: Int, channels: Int, height: Int, width: Int, buffer: FloatBuffer) {
        precondition(buffer.capacity >= batch * channels * height * width, "buffer too small for the feature map")
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.buffer = buffer
    }

    /// An uninitialised map taken from `pool`.
    public init(batch: Int, channels: Int, height: Int, width: Int, pool: BufferPool) {
        self.init(batch: batch, channels: channels, height: height, width: width,
                  buffer: pool.take(batch * channels * height * width))
    }

    /// A map holding `values` (NCHW order).
    public init(values: [Float], shape: [Int]) {
        precondition(shape.count == 4 && shape.reduce(1, *) == values.count, "NCHW shape must match the values")
        let buffer = FloatBuffer(capacity: values.count)
        values.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: values.count) }
        self.init(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3], buffer: buffer)
    }

    /// `[N, C, H, W]`.
    public var shape: [Int] { [batch, channels, height, width] }
    /// Elements of one channel of one image.
    public var planeSize: Int { height * width }
    /// Elements of the whole map.
    public var count: Int { batch * channels * planeSize }
    /// The first element (NCHW order).
    public var pointer: UnsafeMutablePointer<Float> { buffer.pointer }

    /// A copy of the values (NCHW order).
    public func values() -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The values as a contiguous float32 Core tensor.
    public func tensor() -> Tensor { Tensor(float32: values(), shape: shape) }

    /// A copy into a buffer from `pool`.
    public func copy(pool: BufferPool) -> FeatureMap {
        let result = FeatureMap(batch: batch, channels: channels, height: height, width: width, pool: pool)
        ChannelLoop.run(batch * channels, minimumWork: planeSize) { plane in
            (result.pointer + plane * planeSize).update(from: pointer + plane * planeSize, count: planeSize)
        }
        return result
    }
}
