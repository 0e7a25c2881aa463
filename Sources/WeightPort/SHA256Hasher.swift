import CCrypto
import WeightPortCore

/// SHA-256 through the system's libcrypto (OpenSSL), fed in pieces.
struct SHA256Hasher: ~Copyable {
    private let state: OpaquePointer

    /// Fails when libcrypto cannot be loaded or cannot allocate a digest context.
    init(path: String) throws {
        guard let state = wp_sha256_new() else {
            let unavailable = String(cString: wp_crypto_load_error())
            throw FileAccessError.cannotOpen(path: path, reason: unavailable.isEmpty ? "libcrypto cannot start a SHA-256 digest" : unavailable)
        }
        self.state = state
    }

    deinit { wp_sha256_free(state) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.isEmpty || wp_sha256_update(state, bytes.baseAddress, bytes.count) == 0
    }

    /// The digest as 64 lowercase hex digits, or nil when libcrypto fails.
    consuming func hex() -> String? {
        var digest = [UInt8](repeating: 0, count: 32)
        guard wp_sha256_final(state, &digest) == 0 else { return nil }
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
}
