import Foundation
import WeightPort

extension ZooConversion {
    /// Reports each finished file: a line on stderr, and its JSON record on stdout for `--json-lines`.
    final class Progress: Sendable {
        let jsonLines: Bool
        private let count = Counter()

        init(jsonLines: Bool) { self.jsonLines = jsonLines }

        /// Called by the converter one file at a time.
        var report: @Sendable (ZooConverter.FileResult) -> Void {
            { [self] result in
                let n = count.next()
                let detail = result.ok
                    ? "ok      \(result.source) -> \(result.output) (\(result.convention ?? "?"), \(result.architecture ?? "?"), \(String(format: "%.2f", result.seconds)) s)"
                    : "FAILED  " + (result.error.map(ErrorRenderer.line) ?? "")
                Progress.write("[\(n)] " + detail)
                if jsonLines {
                    FileHandle.standardOutput.write(Data((ZooConversion.record(result).serialized() + "\n").utf8))
                }
            }
        }

        static func write(_ line: String) {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Files finished so far.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
