import Foundation

/// RoIAlign over an FPN: each box is assigned a level by a `LevelAssignment` rule and pooled
/// from that level's map at scale `1 / 2^level`; the result keeps the boxes' order.
///
/// This is torchvision's `MultiScaleRoIAlign` (`ops/poolers.py` `_multiscale_roi_align`:
/// `result[idx_in_level] = roi_align(per_level_feature, rois_per_level, …)`), detectron2's
/// `ROIPooler` (`output.index_put_((inds,), pooler(x[level], …))`), mmdet's
/// `SingleRoIExtractor` and Detectron's per-level pooling followed by `BatchPermutation` with
/// `rois_idx_restore_int32` (shared/HEADS.md §1.3): all produce row `i` from box `i`. They differ
/// only in the RoIAlign variant, the sampling ratio and the level rule, which are settings here:
///
/// | convention | `aligned` | `samplingRatio` | rule |
/// |---|---|---|---|
/// | Detectron, maskrcnn-benchmark (FPN) | false | 2 | `.detectron` |
/// | torchvision `MultiScaleRoIAlign` | false (it never passes `aligned`) | 2 | `.torchvision` |
/// | detectron2 (`ROIAlignV2`) | true | 0 | `.detectron2` |
/// | mmdet (mmcv `RoIAlign`) | true | 0 | `.mmdet` |
///
/// With a single level no rule is applied (torchvision and detectron2 skip the mapper; clamping
/// to one level is the same thing).
public struct MultiLevelRoIAlign: Sendable {
    public let outputHeight: Int
    public let outputWidth: Int
    public let samplingRatio: Int
    public let aligned: Bool
    /// Also fixes the pooled levels: `maps[i]` is level `assignment.minLevel + i`.
    public let assignment: LevelAssignment

    public init(outputSize: Int, samplingRatio: Int, aligned: Bool, assignment: LevelAssignment) throws(HeadOpError) {
        guard outputSize > 0 else { throw .invalidSetting("RoIAlign output size \(outputSize) must be positive") }
        outputHeight = outputSize
        outputWidth = outputSize
        self.samplingRatio = samplingRatio
        self.aligned = aligned
        self.assignment = assignment
    }

    /// The levels pooled from: `assignment.minLevel…assignment.maxLevel`.
    public var levels: ClosedRange<Int> { assignment.minLevel...assignment.maxLevel }

    /// Feature pixels per image pixel at `level`: `1 / 2^level`, exact in float32.
    public static func scale(level: Int) -> Float { Float(sign: .plus, exponent: -level, significand: 1) }

    /// torchvision's `_infer_scale`: the power of two nearest (in log2, ties to even) to
    /// `featureSize / imageSize` — how `MultiScaleRoIAlign` finds each map's scale from the padded
    /// batch size; for maps of a standard backbone it equals `scale(level:)`.
    public static func inferredScale(featureSize: Int, imageSize: Int) -> Float {
        let ratio = Float(Double(featureSize) / Double(imageSize))
        return Float(pow(2.0, Double(log2(ratio).rounded(.toNearestOrEven))))
    }

    /// Pools every box from its level's map into `[K, C, R, R]` (row `i` from `boxes[i]`) and
    /// returns the level each box used.
    ///
    /// - Parameter maps: one map per level in `levels`, finest first, all with the same batch and
    ///   channels (boxes name images of that batch).
    public func apply(_ maps: [FeatureMap], boxes: [RoIBox],
                      pool: BufferPool) throws(HeadOpError) -> (pooled: FeatureMap, levels: [Int]) {
        guard maps.count == levels.count else {
            throw .shapeMismatch("levels \(levels.lowerBound)…\(levels.upperBound) need \(levels.count) maps, got \(maps.count)")
        }
        let first = maps[0]
        for (index, map) in maps.enumerated() where map.batch != first.batch || map.channels != first.channels {
            throw .shapeMismatch("map of level \(levels.lowerBound + index) is \(map.shape), level \(levels.lowerBound) is \(first.shape): batch and channels must agree")
        }
        for (index, box) in boxes.enumerated() { try box.validate(index: index, batch: first.batch) }
        let assigned = maps.count == 1 ? Array(repeating: levels.lowerBound, count: boxes.count) : assignment.levels(of: boxes)
        let output = FeatureMap(batch: boxes.count, channels: first.channels, height: outputHeight, width: outputWidth,
                                pool: pool)
        for (index, map) in maps.enumerated() {
            let level = levels.lowerBound + index
            let rows = assigned.indices.filter { assigned[$0] == level }
            if rows.isEmpty { continue }
            let align = try RoIAlign(outputHeight: outputHeight, outputWidth: outputWidth,
                                     spatialScale: Self.scale(level: level), samplingRatio: samplingRatio, aligned: aligned)
            do {
                try align.extract(map, boxes: rows.map { boxes[$0] }, rows: rows, into: output)
            } catch .invalidBox(let position, let reason) {
                // Report the caller's box number, not its position within this level.
                throw .invalidBox(index: rows[position], reason: reason)
            }
        }
        return (output, assigned)
    }
}
