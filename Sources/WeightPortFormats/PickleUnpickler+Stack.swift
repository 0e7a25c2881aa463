import WeightPortCore

/// Stack, mark, memo and container operations of the `Unpickler`, each bounded by `Limits`.
extension Unpickler {
    mutating func push(_ value: PickleValue) throws {
        guard stack.count < limits.maxStack else {
            throw FormatError.limitExceeded("pickle stack above \(limits.maxStack) items", offset: opOffset)
        }
        stack.append(value)
    }

    func top() throws -> PickleValue {
        guard let last = stack.last else { throw underflow() }
        return last
    }

    mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let last = stack.popLast() else { throw underflow() }
        return last
    }

    mutating func popAny() throws {
        // POP with a mark on top of the stack removes the mark (CPython `load_pop`).
        if let floor = marks.last, floor == stack.count { marks.removeLast(); return }
        _ = try pop()
    }

    mutating func pushMark() throws {
        guard marks.count < limits.maxMarks else {
            throw FormatError.limitExceeded("more than \(limits.maxMarks) open pickle marks", offset: opOffset)
        }
        marks.append(stack.count)
    }

    /// Pops everything above the last mark, and the mark.
    mutating func popMark() throws -> [PickleValue] {
        guard let floor = marks.popLast() else {
            throw FormatError.malformed("pickle opcode needs a MARK but none is open", offset: opOffset)
        }
        let items = Array(stack[floor...])
        stack.removeSubrange(floor...)
        return items
    }

    /// Pops the top `n` items, oldest first; never reaches below the last mark.
    mutating func popItems(_ n: Int) throws -> [PickleValue] {
        let floor = marks.last ?? 0
        guard stack.count - floor >= n else { throw underflow() }
        let items = Array(stack[(stack.count - n)...])
        stack.removeLast(n)
        return items
    }

    func underflow() -> FormatError {
        .malformed("pickle stack underflow", offset: opOffset)
    }

    func makeTuple(_ items: [PickleValue]) throws -> PickleValue {
        let tuple = PickleTuple(items)
        for item in items { try tuple.adopt(item, limit: limits.maxDepth, offset: opOffset) }
        return .tuple(tuple)
    }

    func makeList(_ items: [PickleValue]) throws -> PickleValue {
        let list = PickleList()
        try fill(list, items)
        return .list(list)
    }

    func makeFrozenSet(_ items: [PickleValue]) throws -> PickleValue {
        let set = PickleList()
        try fill(set, items)
        return .set(set)
    }

    func makeDict(_ items: [PickleValue]) throws -> PickleValue {
        let dict = PickleDict()
        try fill(dict, items)
        return .dict(dict)
    }

    func fill(_ list: PickleList, _ items: [PickleValue]) throws {
        guard list.items.count + items.count <= limits.maxContainer else {
            throw FormatError.limitExceeded("container above \(limits.maxContainer) items", offset: opOffset)
        }
        for item in items { try list.adopt(item, limit: limits.maxDepth, offset: opOffset) }
        list.items.append(contentsOf: items)
    }

    func fill(_ dict: PickleDict, _ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else {
            throw FormatError.malformed("pickle SETITEMS with an odd number of items", offset: opOffset)
        }
        guard dict.count + items.count / 2 <= limits.maxContainer else {
            throw FormatError.limitExceeded("dict above \(limits.maxContainer) items", offset: opOffset)
        }
        dict.reserve(items.count / 2)
        var i = 0
        while i < items.count {
            try dict.adopt(items[i], limit: limits.maxDepth, offset: opOffset)
            try dict.adopt(items[i + 1], limit: limits.maxDepth, offset: opOffset)
            try dict.set(items[i], items[i + 1], offset: opOffset)
            i += 2
        }
    }

    /// SETITEM / SETITEMS: the dict sits just below the popped items.
    mutating func setItems(_ items: [PickleValue]) throws {
        guard case .dict(let dict) = try top() else {
            throw FormatError.malformed("pickle SETITEM(S) on \(try top().kindDescription), not a dict", offset: opOffset)
        }
        try requireMutable(dict)
        try fill(dict, items)
    }

    /// APPEND / APPENDS / ADDITEMS: the list or set sits just below the popped items.
    mutating func appendItems(_ items: [PickleValue]) throws {
        let target = try top()
        switch target {
        case .list(let list), .set(let list):
            try requireMutable(list)
            try fill(list, items)
        default:
            throw FormatError.malformed("pickle APPEND(S) on \(target.kindDescription), not a list", offset: opOffset)
        }
    }

    func requireMutable(_ node: PickleNode) throws {
        guard !node.sealed else {
            throw FormatError.unsupported("pickle modifies a container after nesting it (recursive structure)", offset: opOffset)
        }
    }

    mutating func memoPut(_ index: Int) throws {
        if memo[index] == nil && memo.count >= limits.maxMemo {
            throw FormatError.limitExceeded("pickle memo above \(limits.maxMemo) entries", offset: opOffset)
        }
        memo[index] = try top()
    }

    mutating func memoGet(_ index: Int) throws {
        guard let value = memo[index] else {
            throw FormatError.malformed("pickle memo has no entry \(index)", offset: opOffset)
        }
        try push(value)
    }
}
