import XCTest
import WeightPortCore
import WeightPortFormats
import WeightPortTestSupport

/// Torch-specific behaviour beyond the value comparisons in PickleFixtureTests.
final class TorchReaderTests: XCTestCase {
    /// A training checkpoint is flattened by key path; optimizer buffers are tensors too and
    /// the hyper-parameters are listed, not dropped.
    func testCheckpointPathsAndEntries() throws {
        let file = try TorchZipReader.read(try Fixtures.bytes("formats/torch_checkpoint.pt"))
        XCTAssertNotNil(file.tensors["model.conv1.weight"])
        XCTAssertNotNil(file.tensors["model.layer2.0.downsample.1.running_var"])
        XCTAssertNotNil(file.tensors["optimizer.state.0.momentum_buffer"])
        let entries = try XCTUnwrap(file.metadataJSON["non_tensor_entries"])
        XCTAssertEqual(entries["epoch"], .int(3))
        XCTAssertEqual(entries["best_acc"], .double(0.5))
        XCTAssertNotNil(entries["optimizer.param_groups.0.weight_decay"])
    }

    /// `byteorder = big`: the tensor keeps the big-endian bytes of the record and says so.
    func testBigEndianArchiveIsAViewInPlace() throws {
        let bytes = try Fixtures.bytes("formats/torch_bigendian.pt")
        let tensor = try XCTUnwrap(TorchZipReader.read(bytes).tensors["w"])
        XCTAssertEqual(tensor.byteOrder, .big)
        XCTAssertTrue((bytes.base..<(bytes.base + bytes.count)).contains(tensor.storage.base))
    }

    /// Views keep torch's offsets and strides rather than being copied out.
    func testViewGeometry() throws {
        let file = try TorchZipReader.read(try Fixtures.bytes("formats/torch_dtypes.pt"))
        let transposed = try XCTUnwrap(file.tensors["view_t"])
        XCTAssertEqual(transposed.shape, [4, 3])
        XCTAssertEqual(transposed.strides, [1, 4])
        let row = try XCTUnwrap(file.tensors["view_row"])
        XCTAssertEqual(row.offset, 4)
        XCTAssertEqual(file.tensors["scalar0d"]?.shape, [])
    }

    func testLegacyMetadata() throws {
        let file = try TorchLegacyReader.read(try Fixtures.bytes("formats/torch_legacy.pt"))
        XCTAssertEqual(file.format, "torch-legacy")
        XCTAssertEqual(file.metadataJSON["protocol_version"], .int(1001))
        XCTAssertEqual(file.tensors["view_narrow"]?.strides, [4, 1])
        XCTAssertEqual(file.tensors["view_narrow"]?.offset, 1)
    }
}
