/// One region of interest: an image of the batch and a box `x1, y1, x2, y2` in that image's
/// pixel coordinates (the coordinates of the network input, before any feature stride).
///
/// This is the row layout every framework's RoIAlign takes (`torchvision.ops.roi_align`'s
/// `Tensor[K, 5]`, Caffe2's `rois` blob, detectron2's pooler format): batch index first, and no
/// `+1` on `x2`/`y2` (the `+1` of Detectron lives only in its level rule, see `LevelAssignment`).
public struct RoIBox: Sendable, Equatable {
    /// Which image of the feature map's batch the box belongs to.
    public var batchIndex: Int
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    public init(batchIndex: Int = 0, x1: Float, y1: Float, x2: Float, y2: Float) {
        self.batchIndex = batchIndex
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    public var width: Float { x2 - x1 }
    public var height: Float { y2 - y1 }

    /// Boxes from a flat row-major `[K, 5]` array (`batch, x1, y1, x2, y2`, as
    /// `torchvision.ops.roi_align` takes them) or a `[K, 4]` array (`x1, y1, x2, y2`, all of
    /// image 0, as the CLI's `--boxes` file holds them).
    ///
    /// The batch column is a float in every framework; it must hold a whole non-negative number
    /// here (torchvision would silently truncate 0.7 to image 0).
    public static func boxes(rows values: [Float], columns: Int) throws(HeadOpError) -> [RoIBox] {
        guard columns == 4 || columns == 5 else {
            throw .shapeMismatch("boxes need 4 (x1, y1, x2, y2) or 5 (batch, x1, y1, x2, y2) columns, got \(columns)")
        }
        guard values.count % columns == 0 else {
            throw .shapeMismatch("\(values.count) values do not form rows of \(columns)")
        }
        var boxes: [RoIBox] = []
        boxes.reserveCapacity(values.count / columns)
        for row in 0..<(values.count / columns) {
            let r = values[(row * columns)..<((row + 1) * columns)].map { $0 }
            var batch = 0
            if columns == 5 {
                let b = r[0]
                guard b.isFinite, b >= 0, b == b.rounded(.down), b < Float(Int32.max) else {
                    throw .invalidBox(index: row, reason: "batch index \(b) is not a whole non-negative number")
                }
                batch = Int(b)
            }
            let o = columns - 4
            boxes.append(RoIBox(batchIndex: batch, x1: r[o], y1: r[o + 1], x2: r[o + 2], y2: r[o + 3]))
        }
        return boxes
    }

    /// Throws unless the box can be pooled from a batch of `batch` images: finite coordinates,
    /// `x1 ≤ x2`, `y1 ≤ y2` and an existing image.
    ///
    /// Boxes crossing the image border, sub-pixel and zero-size boxes are valid (every framework
    /// pools them); inverted boxes are not: frameworks either assert on them (Detectron's
    /// `boxes_area`), or give them a NaN level that then matches no level at all (torchvision).
    func validate(index: Int, batch: Int) throws(HeadOpError) {
        guard x1.isFinite, y1.isFinite, x2.isFinite, y2.isFinite else {
            throw .invalidBox(index: index, reason: "non-finite coordinate in (\(x1), \(y1), \(x2), \(y2))")
        }
        guard x2 >= x1, y2 >= y1 else {
            throw .invalidBox(index: index, reason: "x2 < x1 or y2 < y1 in (\(x1), \(y1), \(x2), \(y2))")
        }
        guard batchIndex >= 0, batchIndex < batch else {
            throw .invalidBox(index: index, reason: "batch index \(batchIndex) outside the \(batch) image(s) of the map")
        }
    }
}
