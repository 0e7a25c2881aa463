extension GhostNetSpec {
    /// Infers a GhostNet v1 from parameter names and shapes under timm/huawei names (the same for
    /// both: `conv_stem`, `bn1`, `blocks.i.j.ghost1.primary_conv.0`, `…cheap_operation.0/1`,
    /// `conv_dw`, `bn_dw`, `se.conv_reduce`, `se.conv_expand`, `shortcut.0…3`, `blocks.n.0.conv`,
    /// `conv_head`, `classifier`).
    ///
    /// Read from the tensors, per block: the input width (`ghost1.primary_conv.0` columns), the mid
    /// width (`ghost2.primary_conv.0` columns), the output width (what the next block or the final
    /// conv consumes; `shortcut.2` rows when present), the stride (`conv_dw` exists only for
    /// stride > 1; GhostNet strides by 2), the depthwise kernel (`conv_dw` or `shortcut.0`), the
    /// SE width (`se.conv_reduce` rows). Then every name and shape must be exactly the structure's
    /// (`parameterShapes`); bookkeeping (`num_batches_tracked`, thop's `total_ops`/`total_params`)
    /// is ignored. The width multiplier is the first width — the named 0.5, 1.0, 1.3, then steps of
    /// 0.05 and of 0.01 up to 4 — whose v1 table gives every channel count (widths that round to the
    /// same table cannot be told apart); with it, kernels of blocks that record none come from the table.
    public static func infer(from shapes: [(String, [Int])]) throws(ArchitectureError) -> GhostNetSpec {
        let table = Dictionary(shapes.filter { !isBookkeeping($0.0) }, uniquingKeysWith: { first, _ in first })
        func fail(_ message: String) -> ArchitectureError { .inconsistent("cannot infer GhostNet: \(message)") }
        func dimension(_ name: String, _ axis: Int, rank: Int = 4) throws(ArchitectureError) -> Int {
            guard let shape = table[name] else { throw fail("\(name) is missing") }
            guard shape.count == rank, axis < shape.count else { throw fail("\(name) has shape \(shape)") }
            return shape[axis]
        }
        let stem = try dimension("conv_stem.weight", 0)
        var stageCount = 0
        while table["blocks.\(stageCount).0.ghost1.primary_conv.0.weight"] != nil { stageCount += 1 }
        guard stageCount > 0 else { throw fail("no Ghost bottleneck blocks.0.0") }
        let finalName = "blocks.\(stageCount).0.conv.weight"
        let final = try dimension(finalName, 0)
        // Input width of every block in order, then the final conv's: a block's output is its successor's input.
        var paths: [[String]] = []
        for i in 0..<stageCount {
            var count = 0
            while table["blocks.\(i).\(count).ghost1.primary_conv.0.weight"] != nil { count += 1 }
            paths.append((0..<count).map { "blocks.\(i).\($0)" })
        }
        let flat = paths.joined().map { $0 }
        var inputs: [Int] = []
        for path in flat { inputs.append(try dimension(path + ".ghost1.primary_conv.0.weight", 1)) }
        inputs.append(try dimension(finalName, 1))
        var blocks: [Block] = []
        for (index, path) in flat.enumerated() {
            let strided = table[path + ".conv_dw.weight"] != nil
            let kernelSource = strided ? path + ".conv_dw.weight" : path + ".shortcut.0.weight"
            let kernel = table[kernelSource] != nil ? try dimension(kernelSource, 2) : nil
            let se = table[path + ".se.conv_reduce.weight"] != nil ? try dimension(path + ".se.conv_reduce.weight", 0) : nil
            let out = table[path + ".shortcut.2.weight"] != nil ? try dimension(path + ".shortcut.2.weight", 0) : inputs[index + 1]
            blocks.append(Block(inChannels: inputs[index], midChannels: try dimension(path + ".ghost2.primary_conv.0.weight", 1),
                                outChannels: out, kernel: kernel, stride: strided ? 2 : 1, seChannels: se))
        }
        var stages: [[Block]] = []
        var next = 0
        for stage in paths {
            stages.append(Array(blocks[next..<(next + stage.count)]))
            next += stage.count
        }
        let head = table["conv_head.weight"] != nil ? try dimension("conv_head.weight", 0) : nil
        let classes = table["classifier.weight"] != nil ? try dimension("classifier.weight", 0, rank: 2) : nil
        var spec = GhostNetSpec(stemChannels: stem, stages: stages, finalChannels: final, headChannels: head,
                                classes: classes)
        if let width = v1Width(of: spec) {
            spec.width = width
            let reference = v1(width: width)
            for (i, stage) in reference.stages.enumerated() {
                for (j, block) in stage.enumerated() where spec.stages[i][j].kernel == nil {
                    spec.stages[i][j].kernel = block.kernel
                }
            }
        }
        try spec.checkExactly(table)
        return spec
    }

    /// The first candidate width whose v1 table has these blocks (kernels compared where recorded).
    static func v1Width(of spec: GhostNetSpec) -> Double? {
        let named: [Double] = [0.5, 1.0, 1.3]
        let coarse: [Double] = (2...80).map { Double($0) / 20 }
        let fine: [Double] = (10...400).map { Double($0) / 100 }
        let candidates = named + coarse + fine
        return candidates.first { width in
            let reference = v1(width: width)
            guard reference.stemChannels == spec.stemChannels, reference.finalChannels == spec.finalChannels,
                  reference.stages.map(\.count) == spec.stages.map(\.count) else { return false }
            return zip(reference.stages.joined(), spec.stages.joined()).allSatisfy { pair -> Bool in
                let (ref, block) = pair
                let widths = ref.inChannels == block.inChannels && ref.midChannels == block.midChannels
                    && ref.outChannels == block.outChannels
                let kernel = block.kernel == nil || block.kernel == ref.kernel
                return widths && ref.stride == block.stride && ref.seChannels == block.seChannels && kernel
            }
        }
    }

    /// Throws unless `table` (bookkeeping removed) holds exactly `parameterShapes`.
    public func checkExactly(_ table: [String: [Int]]) throws(ArchitectureError) {
        let expected = parameterShapes
        let names = Set(expected.map(\.0))
        let missing = expected.filter { table[$0.0] == nil }.map(\.0)
        let unexpected = table.keys.filter { !names.contains($0) }.sorted()
        let mismatched = expected.compactMap { name, shape -> String? in
            guard let found = table[name], found != shape else { return nil }
            return "\(name) \(found) instead of \(shape)"
        }
        guard missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.prefix(3).joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.prefix(3).joined(separator: ", "))") }
            if !mismatched.isEmpty { parts.append(mismatched.prefix(3).joined(separator: ", ")) }
            throw .inconsistent("not a GhostNet v1 state dict: " + parts.joined(separator: "; "))
        }
    }
}
