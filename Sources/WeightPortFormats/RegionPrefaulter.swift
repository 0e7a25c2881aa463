import WeightPortCore

/// Makes a sequence of regions' pages present, front to back, one 2 MiB piece per step, so that
/// a thread can do it in the gaps of other work (`ChecksumPipeline` while it waits for the writer).
struct RegionPrefaulter {
    private let regions: [ByteRegion?]
    private var index = 0
    private var offset = 0
    /// Bytes of the sequence (regions laid end to end) made present so far.
    private(set) var position = 0

    /// The size of one step: `wp_prefault`'s own piece, so one step is one kernel call.
    static let piece = 2 << 20

    init(_ regions: [ByteRegion?]) { self.regions = regions }

    /// Whether pages are left to make present.
    var isDone: Bool { index >= regions.count }

    /// Makes the next piece present; false when none is left.
    @discardableResult
    mutating func step() -> Bool {
        while index < regions.count {
            let count = regions[index]?.count ?? 0
            guard offset < count, let region = regions[index] else {
                index += 1
                offset = 0
                continue
            }
            let n = min(RegionPrefaulter.piece, count - offset)
            region.slice(offset, n).prefault()
            offset += n
            position += n
            return true
        }
        return false
    }

    /// Steps until at least the first `end` bytes of the sequence are present (or none are left).
    mutating func run(through end: Int) {
        while position < end && step() {}
    }
}
