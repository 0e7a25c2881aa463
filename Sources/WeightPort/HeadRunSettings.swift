import WeightPortCore
import WeightPortMapping
import WeightPortReference
import WeightPortVocabulary

/// The reference pass's head settings from the source's declared head semantics (its table, its
/// checkpoint's config, or a bundle's stored semantics) and the boxes of `--boxes`.
enum HeadRunSettings {
    static func settings(_ semantics: HeadSemantics?, boxes: [RoIBox]) -> HeadSettings {
        var out = HeadSettings(boxes: boxes)
        guard let semantics else { return out }
        if let variant = semantics.roiAlign { out.roiAlign = variant }
        if let box = semantics.box { out.box = box }
        if let mask = semantics.mask { out.mask = mask }
        if let keypoint = semantics.keypoint { out.keypoint = keypoint }
        if let c4 = semantics.c4 { out.c4 = c4 }
        out.c4Mask = semantics.c4Mask
        if let rule = semantics.levelRule { out.levelRule = rule }
        out.canonicalScale = semantics.canonicalScale.map { Float($0) }
        if let level = semantics.canonicalLevel { out.canonicalLevel = level }
        if let upsampling = semantics.keypointUpsampling { out.keypointUpsampling = upsampling }
        if let dilation = semantics.maskDilation { out.maskDilation = dilation }
        return out
    }

    /// `--boxes`: one N×4 float array `x1, y1, x2, y2` in input pixels (the file's only array, or
    /// the one named `boxes`).
    static func boxes(path: String) throws -> [RoIBox] {
        let file = try WeightFileLoader.load(path: path)
        let tensor = file.tensors["boxes"] ?? (file.tensors.count == 1 ? file.tensors.first { _ in true }?.tensor : nil)
        guard let tensor, tensor.rank == 2, tensor.shape[1] == 4, tensor.dtype.isFloatingPoint else {
            throw FileError(path: path, underlying: VerificationError.input(
                "boxes must be one N×4 float array (x1, y1, x2, y2 in input pixels)"))
        }
        do {
            return try RoIBox.boxes(rows: tensor.floats(), columns: 4)
        } catch {
            throw FileError(path: path, underlying: error)
        }
    }
}
