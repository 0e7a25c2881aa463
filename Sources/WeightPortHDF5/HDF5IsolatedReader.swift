import CSystem
import Foundation
import WeightPortCore

/// Reads HDF5 files with libhdf5 in a child process, so that a corrupt or hostile file that
/// crashes, hangs or exhausts libhdf5 (Debian's 1.10.8 does all three; see the README's
/// Reliability section) becomes an `HDF5Error` instead of taking the caller down.
///
/// The parent creates a memory file (`memfd_create`) and starts the child, which reads the file
/// with libhdf5 under resource limits (`HDF5ReadLimits`), then writes a header and the tensors'
/// bytes into the memory file (`HDF5ReaderOutput`) and exits. The parent maps the memory file —
/// tensors are slices of that map, no copy — after checking the header as untrusted input.
///
/// How the child is started: an executable that registered itself (`registerExecutable`; the
/// `weightport` CLI does, as `/proc/self/exe`) is started afresh with the hidden argument
/// `childCommand` and must call `runChildIfRequested` first thing in `main`. A process that
/// registered nothing (a library user) forks without exec: the child shares the parent's code,
/// and the fork happens while this module's lock is held, so no other thread is inside libhdf5.
/// (A fork copies only the calling thread: should another thread hold a lock of the Swift
/// runtime or the C library at that moment, the child may block on it; the wall-clock limit
/// then stops it and the read fails with `.readerTimedOut`. Re-exec has no such hazard.)
public enum HDF5IsolatedReader {
    /// The hidden first argument with which a registered executable becomes the reader child.
    public static let childCommand = "__weightport-hdf5-reader"

    private static let lock = NSLock()
    private nonisolated(unsafe) static var executable: String?

    /// Makes reads re-exec `path` (see the type's description); nil returns to forking.
    public static func registerExecutable(_ path: String?) {
        lock.withLock { executable = path }
    }

    /// When `arguments` (the process's own) are the reader child's, runs it and exits;
    /// otherwise returns at once.
    public static func runChildIfRequested(_ arguments: [String]) {
        guard arguments.count == 5, arguments[1] == childCommand else { return }
        let limits = HDF5ReadLimits(cpuSeconds: Int(arguments[3]) ?? 10, wallSeconds: 0,
                                    addressSpaceBytes: Int(arguments[4]) ?? (4 << 30))
        runChild(input: arguments[2], output: 3, limits: limits)
    }

    /// Reads the HDF5 file at `path` in a child process.
    public static func read(path: String, limits: HDF5ReadLimits? = nil) throws(HDF5Error) -> WeightFile {
        try read(path: path, mapped: try? MappedFile.map(path: path), limits: limits)
    }

    /// Reads the HDF5 file at `path` in a child process; `mapped` is the caller's map of it, of
    /// which datasets stored contiguously as they lie in memory become slices (no copy at all).
    public static func read(path: String, mapped: ByteRegion?, limits: HDF5ReadLimits? = nil) throws(HDF5Error) -> WeightFile {
        // A relative path that looks like the child's name for a memory file is made unambiguous.
        let input = path.hasPrefix("memfd:") ? "./" + path : path
        return try run(input: input, inputDescriptor: nil, mapped: mapped, limits: limits ?? .forFile(size: mapped?.count ?? 0))
    }

    /// Reads an HDF5 file held in memory in a child process (the bytes go to it in a memory file).
    public static func read(_ bytes: ByteRegion, limits: HDF5ReadLimits? = nil) throws(HDF5Error) -> WeightFile {
        let input = wp_memfd("weightport-hdf5-input")
        guard input >= 0 else { throw .readerFailed("cannot create a memory file: \(String(cString: strerror(errno)))") }
        defer { close(input) }
        guard writeAll(input, bytes.bytes, at: 0) else {
            throw .readerFailed("cannot fill a memory file: \(String(cString: strerror(errno)))")
        }
        return try run(input: nil, inputDescriptor: input, mapped: bytes, limits: limits ?? .forFile(size: bytes.count))
    }

    /// The child's input argument for bytes in memory file `descriptor` (libhdf5 cannot open a
    /// memory file by its /proc path, so the child maps it and opens the bytes as an image).
    private static func memoryInput(_ descriptor: Int32) -> String { "memfd:\(descriptor)" }

    /// The file the child reads (a path, or a memory file named by `memoryInput`), mapped.
    private static func mapChildInput(_ input: String) throws -> ByteRegion {
        guard input.hasPrefix("memfd:"), let descriptor = Int32(input.dropFirst(6)) else { return try MappedFile.map(path: input) }
        return try MappedFile.map(path: "/proc/self/fd/\(descriptor)")
    }

    /// Reads the child's input; datasets stored as they lie in memory stay slices of `mapped`
    /// (they are not read at all), the others are read into the arena.
    private static func readChildInput(_ input: String, mapped: ByteRegion?, arena: HDF5OutputArena) throws -> WeightFile {
        let allocate: HDF5TensorReader.Allocator = { bytes, stored, fill in
            if let mapped, let stored, stored >= 0, bytes <= mapped.count, stored <= mapped.count - bytes {
                return mapped.slice(stored, bytes)
            }
            return try arena.allocate(bytes, fill: fill)
        }
        guard input.hasPrefix("memfd:"), let mapped else { return try HDF5TensorReader.readInProcess(path: input, allocate: allocate) }
        return try HDF5TensorReader.readInProcess(mapped, allocate: allocate)
    }

    private static func run(input: String?, inputDescriptor: Int32?, mapped: ByteRegion?, limits: HDF5ReadLimits) throws(HDF5Error) -> WeightFile {
        let output = wp_memfd("weightport-hdf5-output")
        guard output >= 0 else { throw .readerFailed("cannot create a memory file: \(String(cString: strerror(errno)))") }
        defer { close(output) }
        let pid = try start(input: input, inputDescriptor: inputDescriptor, output: output, limits: limits)
        var status: Int32 = 0
        switch wp_wait_child(pid, Int32(clamping: limits.wallSeconds * 1000), &status) {
        case 0: break
        case 1: throw .readerTimedOut(seconds: limits.wallSeconds)
        default: throw .readerFailed("cannot wait for the reader process: \(String(cString: strerror(errno)))")
        }
        var exitCode: Int32 = 0
        let signal = wp_wait_status(status, &exitCode)
        if signal == SIGXCPU { throw .readerTimedOut(seconds: limits.cpuSeconds) }
        if signal != 0 { throw .readerCrashed(signalName(signal)) }
        if exitCode != 0 { throw .readerCrashed("the reader process exited with status \(exitCode)") }
        let region: ByteRegion
        do {
            // Populated: the pages are already in memory (the child wrote them); one call maps
            // them all instead of a fault per page.
            region = try MappedFile.map(path: "/proc/self/fd/\(output)", prefault: true)
        } catch {
            throw .readerFailed("cannot map the reader's output: \(error.what)")
        }
        return try HDF5ReaderOutput.decode(region, input: mapped)
    }

    /// Decodes a reader child's output (`region`: the whole memory file it wrote; `input`: the
    /// file it read, of which tensors may be slices). Public for the fuzz target that drives the
    /// decoder with arbitrary bytes; the output is untrusted.
    public static func decodeOutput(_ region: ByteRegion, input: ByteRegion? = nil) throws(HDF5Error) -> WeightFile {
        try HDF5ReaderOutput.decode(region, input: input)
    }

    /// The child's pid: a re-exec of the registered executable, else a fork running `runChild`.
    private static func start(input: String?, inputDescriptor: Int32?, output: Int32, limits: HDF5ReadLimits) throws(HDF5Error) -> Int32 {
        if let executable = lock.withLock({ executable }) {
            var descriptors = [output]
            if let inputDescriptor { descriptors.append(inputDescriptor) }
            let arguments = [executable, childCommand, input ?? memoryInput(4), String(limits.cpuSeconds), String(limits.addressSpaceBytes)]
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            let pid = wp_spawn(executable, &argv, descriptors, Int32(descriptors.count))
            guard pid > 0 else { throw .readerFailed("cannot start the reader process \(executable): \(String(cString: strerror(errno)))") }
            return pid
        }
        let childInput = input ?? memoryInput(inputDescriptor ?? -1)
        let pid = HDF5Library.holdingLock { wp_fork() }
        if pid == 0 {
            HDF5Library.enterForkedChild()
            runChild(input: childInput, output: output, limits: limits)
        }
        guard pid > 0 else { throw .readerFailed("cannot fork the reader process: \(String(cString: strerror(errno)))") }
        return pid
    }

    /// The child: limits itself, reads (datasets straight into the memory file `output`), writes
    /// the header, exits (0, or 3 when the outcome could not be written).
    static func runChild(input: String, output: Int32, limits: HDF5ReadLimits) -> Never {
        wp_limit_self(limits.cpuSeconds, limits.addressSpaceBytes, limits.addressSpaceBytes)
        let arena = HDF5OutputArena(descriptor: output)
        let mapped = try? mapChildInput(input)
        var layout: HDF5ReaderOutput.Layout
        do {
            let file = try readChildInput(input, mapped: mapped, arena: arena)
            layout = HDF5ReaderOutput.encode(file, dataEnd: arena.end) { region in
                if let mapped, region.base >= mapped.base, region.base < mapped.base + mapped.count {
                    return .init(offset: region.base - mapped.base, inInput: true)
                }
                return arena.offset(of: region).map { .init(offset: $0, inInput: false) }
            }
        } catch let error as HDF5Error {
            layout = HDF5ReaderOutput.encode(error)
        } catch let error as Diagnostic {
            layout = HDF5ReaderOutput.encode(.readerFailed(error.what))
        } catch {
            layout = HDF5ReaderOutput.encode(.readerFailed(String(describing: error)))
        }
        var ok = true
        for (region, offset) in layout.copies where ok { ok = writeAll(output, region.bytes, at: offset) }
        ok = ok && layout.header.withUnsafeBytes { writeAll(output, $0, at: layout.headerOffset) }
        // The prelude last: until it is there, the output holds no result.
        ok = ok && layout.prelude.withUnsafeBytes { writeAll(output, $0, at: 0) }
        wp_exit_now(ok ? 0 : 3)
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    private static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL", SIGFPE: "SIGFPE",
            SIGTRAP: "SIGTRAP", SIGKILL: "SIGKILL", SIGXFSZ: "SIGXFSZ (output limit)", SIGTERM: "SIGTERM",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}
