/// Limits for the process that reads one untrusted HDF5 file.
public struct HDF5ReadLimits: Sendable, Equatable {
    /// CPU seconds before the reader is stopped (SIGXCPU).
    public var cpuSeconds: Int
    /// Wall-clock seconds the parent waits before killing the reader.
    public var wallSeconds: Int
    /// The reader's address-space limit in bytes (not applied under AddressSanitizer).
    public var addressSpaceBytes: Int

    /// Limits as given (see the properties); `forFile(size:)` gives the defaults.
    public init(cpuSeconds: Int, wallSeconds: Int, addressSpaceBytes: Int) {
        self.cpuSeconds = cpuSeconds
        self.wallSeconds = wallSeconds
        self.addressSpaceBytes = addressSpaceBytes
    }

    /// Proportional to the file: 2 CPU seconds plus one per 10 MB (reading 254 MB takes about
    /// 0.3 s), three times that plus 5 s of wall-clock time (the machine may be busy), and 4 GiB
    /// plus 4 × the file of address space (libhdf5's 21 GB `malloc` from a corrupt size fails).
    public static func forFile(size: Int) -> HDF5ReadLimits {
        let cpu = 2 + size / 10_000_000
        return HDF5ReadLimits(cpuSeconds: cpu, wallSeconds: 3 * cpu + 5, addressSpaceBytes: (4 << 30) + 4 * size)
    }
}
