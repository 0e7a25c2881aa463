/// A match's variable values, indexed by the pattern's variable slot (its bound variables in
/// sorted order, `NamePattern.slotNames`), stored inline.
///
/// Detection maps every name through every table, and target mapping maps them again; with the
/// values in a `[String: Int]` each match built, hashed and released a dictionary, which was most
/// of the cost of matching. Patterns bind at most a handful of variables, so eight inline slots
/// avoid any allocation, and grouping a rule's names hashes a few integers instead of strings.
struct SlotValues: Hashable, Sendable {
    /// How many variables a pattern may bind; checked when the pattern is parsed.
    static let capacity = 8

    private var storage: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Slots in use.
    private(set) var count: Int

    init(count: Int) {
        precondition(count <= Self.capacity)
        self.count = count
    }

    subscript(slot: Int) -> Int {
        get {
            precondition(slot >= 0 && slot < count)
            return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: slot * MemoryLayout<Int>.stride, as: Int.self) }
        }
        set {
            precondition(slot >= 0 && slot < count)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: newValue, toByteOffset: slot * MemoryLayout<Int>.stride, as: Int.self) }
        }
    }

    static func == (lhs: SlotValues, rhs: SlotValues) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for slot in 0..<lhs.count where lhs[slot] != rhs[slot] { return false }
        return true
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for slot in 0..<count { hasher.combine(self[slot]) }
    }

    /// The values by variable name, for the public API (`names[i]` is slot `i`'s variable).
    func dictionary(names: [String]) -> [String: Int] {
        var out: [String: Int] = [:]
        out.reserveCapacity(count)
        for slot in 0..<count { out[names[slot]] = self[slot] }
        return out
    }
}
