@testable import WeightPort
import WeightPortMapping
import WeightPortModels
import WeightPortVocabulary
import XCTest

/// What a convention's semantics and a file's flags say about the parts of an architecture no
/// tensor shows.
final class SemanticDefaultsTests: XCTestCase {
    /// ResNetV1c (deep stem, strided 1×1 shortcut) is not ResNetV1d: `deep_stem` alone used to
    /// imply avg-down shortcuts, so V1c checkpoints computed the wrong res3.
    func testDeepStemDoesNotImplyAvgDown() {
        var semantics = ConventionSemantics()
        semantics.norm = .batchnorm
        let v1c = SemanticDefaults.spec(semantics, flags: [.deepStem])
        XCTAssertEqual(v1c.stem, .deep)
        XCTAssertEqual(v1c.shortcut, .conv)
        let v1d = SemanticDefaults.spec(semantics, flags: [.deepStem, .avgDown])
        XCTAssertEqual(v1d.shortcut, .avgDown)
    }

    func testDeclaredNormAndPoolBecomeTheSpecs() {
        var semantics = ConventionSemantics()
        semantics.norm = .affine
        semantics.pool1 = .caffe
        let spec = SemanticDefaults.spec(semantics, flags: [])
        XCTAssertEqual(spec.norm, .affine)
        XCTAssertEqual(spec.stemPool, .caffe)
        XCTAssertEqual(SemanticDefaults.spec(semantics, flags: [.gn]).norm.kind, .group)
    }
}
