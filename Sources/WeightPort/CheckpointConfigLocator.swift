import WeightPortCore
import WeightPortMapping
import WeightPortVocabulary

/// Finds the training config a weight file carries and reads it with its framework's reader:
/// Detectron pickles keep YAML under `cfg`; mmengine checkpoints keep Python text under
/// `meta.cfg`, mmdetection 2.x under `meta.config`.
enum CheckpointConfigLocator {
    static func read(_ file: WeightFile, flags: Set<ArchitectureFlag>, table: ConventionSemantics) throws(ConfigTextError) -> CheckpointConfig? {
        for (key, value) in file.metadata {
            guard case .string(let text) = value, !text.isEmpty else { continue }
            switch key {
            case "cfg":
                return try DetectronConfigReader.read(text, origin: key, isC4: flags.contains(.c4), defaults: table.heads)
            case "meta.cfg", "meta.config":
                return try MMDetConfigReader.read(text, origin: key)
            default:
                continue
            }
        }
        return nil
    }
}
