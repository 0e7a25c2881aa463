import WeightPortMapping
import XCTest

final class NamePatternTests: XCTestCase {
    func testAffineExpressionsSolveBothWays() throws {
        let torchvision = try NamePattern("layer{s-1}.{b}.conv{k+1}.weight")
        let bindings = try XCTUnwrap(torchvision.match("layer3.12.conv2.weight", context: MappingContext()))
        XCTAssertEqual(bindings, ["s": 4, "b": 12, "k": 1])
        XCTAssertEqual(try torchvision.render(bindings, context: MappingContext()), "layer3.12.conv2.weight")
    }

    func testPatternsAreAnchored() throws {
        let pattern = try NamePattern("conv1_w")
        XCTAssertNil(pattern.match("conv1_w_momentum", context: MappingContext()))
        XCTAssertNil(pattern.match("xconv1_w", context: MappingContext()))
        XCTAssertNil(try NamePattern("res{s}_{b}_w").match("res2_01_w", context: MappingContext()), "leading zero")
    }

    func testCaffeBlockSpellings() throws {
        let pattern = try NamePattern("res{s}{b:caffe_block}_branch2{k:letter}")
        let context50 = MappingContext.stages([2: 3, 3: 4, 4: 6, 5: 3])
        let context101 = MappingContext.stages([2: 3, 3: 4, 4: 23, 5: 3])
        XCTAssertEqual(pattern.match("res4f_branch2c", context: context50), ["s": 4, "b": 5, "k": 2])
        XCTAssertEqual(pattern.match("res4b22_branch2a", context: context101), ["s": 4, "b": 22, "k": 0])
        XCTAssertEqual(try pattern.render(["s": 4, "b": 22, "k": 0], context: context101), "res4b22_branch2a")
        XCTAssertEqual(try pattern.render(["s": 3, "b": 3, "k": 1], context: context50), "res3d_branch2b")
        XCTAssertEqual(try pattern.render(["s": 3, "b": 3, "k": 1], context: context101), "res3b3_branch2b")
        XCTAssertEqual(try pattern.render(["s": 5, "b": 2, "k": 1], context: context101), "res5c_branch2b")
    }

    func testMalformedPatternsAreRejected() {
        XCTAssertThrowsError(try NamePattern("res{s"))
        XCTAssertThrowsError(try NamePattern("res{s}{b}"))
        XCTAssertThrowsError(try NamePattern("res{s:roman}"))
    }
}
