import Foundation
import WeightPortCore

/// A Detectron pickle written while the conversion maps names (`StreamedSources`).
///
/// A pickle is a program, so the arrays can come before the dictionary that names them: each
/// source array is built as soon as the source is parsed, stored in memo slot i and popped;
/// `finish` then writes the dictionary (and `cfg`), fetching each streamed array from its slot
/// (BINGET) and building the others in place. Python 2's cPickle and Python 3's pickle load it
/// as they load `DetectronPickleWriter`'s memo-free layout; only the bytes' order differs.
public final class DetectronPickleStream: @unchecked Sendable {
    // @unchecked: `writer` is used by the writing thread until `streamed.join()`, then by the caller.
    let streamed: StreamedSources
    private let box: WriterBox

    /// Starts writing `candidates` (source tensors likely to reach the output unchanged; see
    /// `StreamedSources`) as arrays of their source shapes to a temporary file beside
    /// `destination`. Nil when none lies in a mapped file.
    /// `prepared`: that temporary file, created earlier (`StreamedOutput.prepare`), to write into.
    public convenience init?(destination: String, overwrite: Bool, candidates: [Tensor], prepared: AtomicFileWriter? = nil) throws(WriterError) {
        try self.init(destination: destination, overwrite: overwrite, candidates: candidates, gate: nil, prepared: prepared)
    }

    /// `gate` (tests): the writing thread waits for it before writing anything.
    init?(destination: String, overwrite: Bool, candidates: [Tensor], gate: DispatchSemaphore?, prepared: AtomicFileWriter? = nil) throws(WriterError) {
        guard let streamed = try StreamedSources(destination: destination, overwrite: overwrite, candidates: candidates,
                                                 checksums: false, prepared: prepared, accept: { DetectronPickleWriter.numpyType($0.dtype) != nil })
        else { return nil }
        self.streamed = streamed
        let sink = streamed.sink
        let box = WriterBox()
        self.box = box
        streamed.gate = gate
        streamed.start(
            reserve: streamed.tensors.reduce(1 << 16) { $0 + $1.byteCount + 256 },
            begin: {},
            before: { _, tensor throws(WriterError) in
                try DetectronPickleWriter.encodeArrayHead(tensor, into: &box.writer)
                box.writer.byteStringHeader(count: tensor.byteCount)
                try sink.write(box.writer.takeBytes())
            },
            after: { i, _ in
                box.writer.tupleFromMark()
                box.writer.build()
                box.writer.memoize(i)
                box.writer.pop()
            })
    }

    /// Writes `object` (the conversion's blobs in their layout) over the streamed arrays and
    /// moves the file into place. Returns false, having removed the file, when a streamed array
    /// would be left unused; throws what writing threw.
    public func finish(_ object: PickleWritable) throws -> Bool {
        // A streamed array was built with its source's shape and dtype: only an output with the
        // same may take it.
        let same = { (streamed: Tensor, output: Tensor) in streamed.shape == output.shape && streamed.dtype == output.dtype }
        streamed.plan(object.tensors, compatible: same)
        // Which streamed array each of the object's tensors takes, in the order the writer meets
        // them (nil: written in place); decided before anything is written, so that a streamed
        // array nothing takes abandons the file instead of staying in it.
        var used = Set<Int>()
        let takes = object.tensors.map { tensor -> Int? in
            // `streamedIndex` knows only the matches the plan made, all of them `same`.
            guard let i = streamed.streamedIndex(of: tensor), used.insert(i).inserted else { return nil }
            return i
        }
        guard streamed.join(), streamed.usesAllWritten(used) else { return streamed.abandon() }
        let sink = streamed.sink
        return try streamed.complete { [box] in
            try DetectronPickleWriter.checkDTypes(object)
            // The streaming thread's last BINPUT and POP (or, with nothing streamed, PROTO).
            try sink.write(box.writer.takeBytes())
            var writer = PickleWriter(stringStyle: .python2)
            _ = writer.takeBytes()  // PROTO is already in the file
            var next = takes.makeIterator()
            try writer.write(object) { writer, tensor throws(WriterError) in
                if let i = next.next() ?? nil {
                    writer.memoGet(i)
                } else {
                    try DetectronPickleWriter.writeArray(tensor, with: &writer, to: sink)
                }
            }
            writer.stop()
            try sink.write(writer.takeBytes())
        }
    }

    /// Stops writing and removes the file. Safe after `finish`.
    public func abort() { streamed.abort() }
}

/// The streaming thread's pickle writer (a struct, so it needs a home both threads can reach).
private final class WriterBox: @unchecked Sendable {
    var writer = PickleWriter(stringStyle: .python2)
}
