import WeightPortCore

/// Shared bookkeeping of container nodes: nesting depth and whether the node may still change.
///
/// A node becomes `sealed` once it is placed inside another node. Real pickles always finish a
/// container before nesting it; refusing later mutation rules out cycles and keeps `depth`
/// exact, so a hostile pickle can never build a graph too deep to release without recursion.
public class PickleNode {
    public internal(set) var depth = 1
    var sealed = false

    func adopt(_ child: PickleValue, limit: Int, offset: Int) throws(FormatError) {
        let childDepth = child.depth
        if childDepth > 0 {
            if child.isSameNode(self) { throw .malformed("pickle builds a recursive structure", offset: offset) }
            guard childDepth + 1 <= limit else {
                throw .limitExceeded("nesting deeper than \(limit) levels", offset: offset)
            }
            depth = max(depth, childDepth + 1)
        }
        child.seal()
    }
}

/// An immutable tuple.
public final class PickleTuple: PickleNode {
    public let items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
}

/// A list (also used for sets, which keep insertion order here).
public final class PickleList: PickleNode {
    public internal(set) var items: [PickleValue] = []
}

/// A dict keeping insertion order; later assignments to an existing key replace its value.
public final class PickleDict: PickleNode {
    public private(set) var pairs: [(key: PickleValue, value: PickleValue)] = []
    private var index: [PickleKey: Int] = [:]
    /// Instance attributes set by BUILD (OrderedDict `_metadata`); kept but not interpreted.
    public internal(set) var attributes: PickleValue?

    public var count: Int { pairs.count }

    /// Room for `more` entries: SETITEMS brings them in batches (up to 1,000 from CPython), and
    /// growing the index one rehash at a time showed in reading a checkpoint's structure.
    /// Growth stays geometric: `Array.reserveCapacity` allocates exactly what it is asked, so a
    /// dict built one SETITEM at a time (protocol 0/1, or a crafted file) would otherwise copy
    /// its entries on every key (a 7 MB pickle took minutes).
    func reserve(_ more: Int) {
        let needed = pairs.count + more
        guard needed > pairs.capacity else { return }
        index.reserveCapacity(needed)
        pairs.reserveCapacity(max(needed, 2 * pairs.capacity))
    }

    /// The entries' storage size (tests).
    var capacity: Int { pairs.capacity }

    func set(_ key: PickleValue, _ value: PickleValue, offset: Int) throws(FormatError) {
        let hashKey = try PickleKey(key, offset: offset)
        if let existing = index[hashKey] {
            pairs[existing].value = value
        } else {
            index[hashKey] = pairs.count
            pairs.append((key, value))
        }
    }

    /// The value stored under the str (or latin-1 byte string) `key`.
    public subscript(key: String) -> PickleValue? {
        pairs.first { $0.key.hasText(key) }?.value
    }
}

/// An allow-listed callable applied to arguments; readers interpret it later by its global.
public final class PickleObject: PickleNode {
    public let global: PickleGlobal
    public let args: [PickleValue]
    /// The BUILD state, if any.
    public internal(set) var state: PickleValue?
    init(_ global: PickleGlobal, _ args: [PickleValue]) {
        self.global = global
        self.args = args
    }
}

/// Node identity and sealing seen through a value.
extension PickleValue {
    func seal() {
        switch self {
        case .tuple(let n): n.sealed = true
        case .list(let n), .set(let n): n.sealed = true
        case .dict(let n): n.sealed = true
        case .object(let n): n.sealed = true
        default: break
        }
    }

    func isSameNode(_ other: PickleNode) -> Bool {
        switch self {
        case .tuple(let n): return n === other
        case .list(let n), .set(let n): return n === other
        case .dict(let n): return n === other
        case .object(let n): return n === other
        default: return false
        }
    }
}
