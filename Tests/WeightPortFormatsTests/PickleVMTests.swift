import Foundation
import XCTest
import WeightPortCore
@testable import WeightPortFormats
import WeightPortTestSupport

/// The unpickler on short opcode sequences whose meaning is documented in CPython's
/// pickletools (doctests quoted in the comments), and robustness against damaged real files.
final class PickleVMTests: XCTestCase {
    private func load(_ bytes: [UInt8]) throws -> PickleValue {
        var unpickler = Unpickler(ByteRegion(copying: bytes))
        return try unpickler.load()
    }

    /// A dict built one SETITEM at a time (protocol 0/1, CPython's single-item batches, crafted
    /// files) reads every key, and its storage grows geometrically: a reservation per key of
    /// exactly one more entry copied the whole dict each time (minutes for a 7 MB file).
    func testDictBuiltOneItemAtATimeGrowsGeometrically() throws {
        let count = 5000
        var bytes: [UInt8] = [0x80, 0x02, 0x7D]  // PROTO 2, EMPTY_DICT
        for key in 0..<count {
            bytes += [0x4A] + withUnsafeBytes(of: Int32(key).littleEndian) { Array($0) } + [0x4E, 0x73]  // BININT, NONE, SETITEM
        }
        bytes.append(0x2E)  // STOP
        guard case .dict(let dict) = try load(bytes) else { return XCTFail("not a dict") }
        XCTAssertEqual(dict.count, count)
        XCTAssertEqual(dict.pairs.map { $0.key.intValue }, (0..<count).map { $0 })

        let grown = PickleDict()
        var capacities = Set<Int>()
        for key in 0..<count {
            grown.reserve(1)
            try grown.set(.int(key), .none, offset: 0)
            capacities.insert(grown.capacity)
        }
        XCTAssertLessThanOrEqual(capacities.count, 16, "\(capacities.sorted())")
    }

    /// pickletools `read_long1` doctest: `02 00 80` is −32768; `02 ff 00` is 255.
    func testLong1TwosComplement() throws {
        guard case .int(let a) = try load([0x8A, 0x02, 0x00, 0x80, 0x2E]) else { return XCTFail() }
        XCTAssertEqual(a, -32768)
        guard case .int(let b) = try load([0x8A, 0x02, 0xFF, 0x00, 0x2E]) else { return XCTFail() }
        XCTAssertEqual(b, 255)
    }

    /// torch's legacy magic number does not fit 64 bits and stays as exact bytes.
    func testWideIntegerKeepsItsBytes() throws {
        let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
        guard case .bigInt(let bytes) = try load([0x80, 0x02, 0x8A, 0x0A] + magic + [0x2E]) else { return XCTFail() }
        XCTAssertEqual(bytes, magic)
    }

    /// BINFLOAT is big-endian: 3F F0 00 … is 1.0.
    func testBinFloatIsBigEndian() throws {
        guard case .float(let f) = try load([0x47, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0x2E]) else { return XCTFail() }
        XCTAssertEqual(f, 1.0)
    }

    /// Protocol-0 text: `I01` is True, `L…L` is a long, STRING unescapes `\x80`.
    func testProtocolZeroText() throws {
        guard case .bool(true) = try load(Array("I01\n.".utf8)) else { return XCTFail() }
        guard case .bigInt = try load(Array("L123456789012345678901234567890L\n.".utf8)) else { return XCTFail() }
        guard case .int(-42) = try load(Array("L-42L\n.".utf8)) else { return XCTFail() }
        guard case .bytes(let region) = try load(Array("S'a\\x80\\n\\'b'\n.".utf8)) else { return XCTFail() }
        XCTAssertEqual(region.toArray(), [0x61, 0x80, 0x0A, 0x27, 0x62])
    }

    /// A dict memoized before SETITEMS and fetched again is the same, filled dict (as in Python).
    func testMemoSharesContainers() throws {
        // [ {}(memo 0) 'k' 1 setitem ; get 0 ] -> list of the same dict twice
        let bytes: [UInt8] = [0x80, 0x02, 0x5D, 0x28, 0x7D, 0x71, 0x00, 0x8C, 0x01, 0x6B, 0x4B, 0x01, 0x73, 0x68, 0x00, 0x65, 0x2E]
        guard case .list(let list) = try load(bytes), list.items.count == 2,
              case .dict(let first) = list.items[0], case .dict(let second) = list.items[1] else { return XCTFail() }
        XCTAssertTrue(first === second)
        XCTAssertEqual(first["k"]?.intValue, 1)
    }

    /// A list appended into itself is refused instead of building a cycle.
    func testRecursiveListIsRefused() {
        let bytes: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        XCTAssertThrowsError(try load(bytes)) { error in
            guard case .malformed(let message, _)? = error as? FormatError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("recursive"))
        }
    }

    /// `c__builtin__\nset\n` (how Python 3 writes sets at protocol 2) maps to builtins.set.
    func testPython2NamesAreMapped() throws {
        let bytes = Array("c__builtin__\nset\n(]I1\naI2\natR.".utf8)
        guard case .set(let set) = try load(bytes) else { return XCTFail() }
        XCTAssertEqual(set.items.compactMap { $0.intValue }, [1, 2])
    }

    /// 60 levels that each hold the level below twice: a few hundred bytes that a naive tree
    /// walk would expand to 2^60 entries. It must fail fast with a limit error.
    func testSharedContainersCannotExplode() throws {
        var bytes: [UInt8] = [0x80, 0x02, 0x5D, 0x4B, 0x01, 0x61, 0x71, 0x00]  // [1] -> memo 0
        for level in 1...60 {
            bytes += [0x5D, 0x28, 0x68, UInt8(level - 1), 0x68, UInt8(level - 1), 0x65, 0x71, UInt8(level)]
        }
        bytes += [0x2E]
        let start = Date()
        XCTAssertThrowsError(try PickleReader.read(ByteRegion(copying: bytes))) { error in
            guard case .limitExceeded? = error as? FormatError else { return XCTFail("\(error)") }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.0)
    }

    /// One 1 MB string re-encoded by `_codecs.encode` again and again from the memo must hit
    /// the copy budget instead of allocating gigabytes.
    func testRepeatedCopiesHitTheBudget() throws {
        var bytes: [UInt8] = [0x80, 0x02, 0x5D, 0x28]  // list, mark
        bytes += [0x58] + withUnsafeBytes(of: UInt32(1 << 20).littleEndian, Array.init) + [UInt8](repeating: 0x61, count: 1 << 20)
        bytes += [0x71, 0x00, 0x30]  // memo 0, pop
        let encode = Array("c_codecs\nencode\n".utf8) + [0x68, 0x00, 0x8C, 0x06] + Array("latin1".utf8) + [0x86, 0x52]
        for _ in 0..<200 { bytes += encode }
        bytes += [0x65, 0x2E]
        let start = Date()
        XCTAssertThrowsError(try PickleReader.read(ByteRegion(copying: bytes))) { error in
            guard case .limitExceeded? = error as? FormatError else { return XCTFail("\(error)") }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.0)
    }

    /// Every prefix of a real pickle either loads or throws; none traps or hangs.
    func testEveryTruncationFailsCleanly() throws {
        for relative in ["formats/pkl_py2_proto0.pkl", "formats/pkl_np2_p5.pkl", "formats/pkl_py2_ordereddict.pkl"] {
            let bytes = try Fixtures.bytes(relative)
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try PickleReader.read(bytes.slice(0, cut)), "\(relative) cut at \(cut)")
            }
        }
    }

    /// Seeded single-byte corruptions of real files: any outcome but a trap is acceptable.
    func testCorruptedBytesNeverTrap() throws {
        var rng = SplitMix(seed: 12345)
        for relative in ["formats/pkl_py2_detectron.pkl", "formats/pkl_np_dtypes_p5.pkl", "formats/torch_dtypes.pt", "formats/torch_legacy.pt"] {
            let original = try Fixtures.bytes(relative).toArray()
            let reader = PickleExpectations.reader(for: relative)
            for _ in 0..<300 {
                var copy = original
                let position = Int(rng.next() % UInt64(copy.count))
                copy[position] = UInt8(truncatingIfNeeded: rng.next())
                _ = try? reader(ByteRegion(copying: copy))
            }
        }
    }
}

/// A tiny deterministic generator for the corruption test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
