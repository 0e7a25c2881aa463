import WeightPortCore

/// The training config a torch checkpoint carries as text: mmengine saves
/// `{'meta': {'cfg': <config text>, …}, 'state_dict': …}`, mmdetection 2.x `meta['config']`.
///
/// The flattener shortens long strings for display; the config is needed whole, so readers
/// add it to the metadata under its key path (`meta.cfg`, `meta.config`).
public enum CheckpointConfigText {
    /// Key paths a config text may sit under, in the order they are looked for.
    public static let paths = [["meta", "cfg"], ["meta", "config"]]

    /// Metadata entries (`meta.cfg` → text) for every config text in `root`.
    public static func entries(_ root: PickleValue) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        for path in paths {
            var value: PickleValue? = root
            for key in path {
                guard case .dict(let dict)? = value else { value = nil; break }
                value = dict[key]
            }
            if let text = value?.text { out.append((path.joined(separator: "."), .string(text))) }
        }
        return out
    }
}
