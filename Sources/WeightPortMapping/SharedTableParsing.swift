import Foundation
import WeightPortCore

/// Parses a set of mapping tables on a helper thread from the moment it is created. The thread
/// that asks for the catalog first parses the tables nobody has started yet (unless it asks not
/// to: `catalog(helping: false)`), then waits only for those still in progress.
///
/// Commands read the tables while they parse their input; the tables (about 11 ms of CPU for the
/// nine built in) now take longer than a 250 MB pickle's structure, so a conversion that had
/// parsed its input used to sit idle until the helper finished alone.
public final class SharedTableParsing: @unchecked Sendable {
    // `next`, `finished` and `results` are read and written only under `condition`.
    private let sources: [(text: String, file: String)]
    /// Largest first, so that the tables left to whoever comes last are small ones and neither
    /// thread waits long for the other's last table.
    private let claimOrder: [Int]
    private let condition = NSCondition()
    private var next = 0
    private var finished = 0
    private var results: [Result<MappingTable, MappingError>?]
    private var quickPreview: CatalogPreview??

    /// Starts parsing `sources` (YAML text, and the file name errors should carry), in order.
    public init(_ sources: [(text: String, file: String)]) {
        self.sources = sources
        claimOrder = sources.indices.sorted { sources[$0].text.utf8.count > sources[$1].text.utf8.count }
        results = Array(repeating: nil, count: sources.count)
        HelperThread.detach { [self] in
            // First, and quick: what a conversion needs before it may start writing.
            let preview = CatalogPreview.quick(sources.map(\.text))
            condition.lock()
            quickPreview = .some(preview)
            condition.broadcast()
            condition.unlock()
            parseUnclaimed()
        }
    }

    /// `CatalogPreview.quick` of the tables, which the helper reads before parsing them (nil
    /// when their text does not allow it). Waits for that if need be, about a millisecond.
    public func preview() -> CatalogPreview? {
        condition.lock()
        defer { condition.unlock() }
        while quickPreview == nil { condition.wait() }
        return quickPreview ?? nil
    }

    /// The tables in the order given; the first one (in that order) that failed is the error.
    /// Callable from any thread, any number of times. `helping: false` waits without parsing
    /// the tables nobody has started: a caller whose other threads have better use for the
    /// cores (a conversion writing tensors while it waits) leaves them to the helper.
    public func catalog(helping: Bool = true) throws(MappingError) -> MappingCatalog {
        if helping { parseUnclaimed() }
        condition.lock()
        while finished < sources.count { condition.wait() }
        let done = results
        condition.unlock()
        var tables: [MappingTable] = []
        for case let result? in done { tables.append(try result.get()) }
        return MappingCatalog(folder: nil, tables: tables)
    }

    /// Claims and parses tables until every one has been claimed.
    private func parseUnclaimed() {
        while true {
            condition.lock()
            let claimed = next
            if claimed < sources.count { next += 1 }
            condition.unlock()
            guard claimed < sources.count else { return }
            let index = claimOrder[claimed]
            let source = sources[index]
            let result = Result { () throws(MappingError) -> MappingTable in try MappingTable(yaml: source.text, file: source.file) }
            condition.lock()
            results[index] = result
            finished += 1
            condition.broadcast()
            condition.unlock()
        }
    }
}
