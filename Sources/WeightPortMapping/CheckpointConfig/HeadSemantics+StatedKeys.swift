extension HeadSemantics {
    /// The `heads:` keys `heads` has a value for, in the table's spelling.
    public static func statedKeys(_ heads: HeadSemantics) -> [String] {
        var keys: [String] = []
        func add(_ key: CodingKeys, _ present: Bool) { if present { keys.append(key.rawValue) } }
        add(.roiAlign, heads.roiAlign != nil)
        add(.box, heads.box != nil)
        add(.mask, heads.mask != nil)
        add(.keypoint, heads.keypoint != nil)
        add(.c4, heads.c4 != nil)
        add(.c4Mask, heads.c4Mask != nil)
        add(.levelRule, heads.levelRule != nil)
        add(.canonicalScale, heads.canonicalScale != nil)
        add(.canonicalLevel, heads.canonicalLevel != nil)
        add(.keypointUpsampling, heads.keypointUpsampling != nil)
        add(.rpnActivation, heads.rpnActivation != nil)
        add(.agnosticBoxRows, heads.agnosticBoxRows != nil)
        add(.maskDilation, heads.maskDilation != nil)
        return keys
    }
}
