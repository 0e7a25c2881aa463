import Foundation
import WeightPortTestSupport
import XCTest

/// Every case of fixtures/verify/cases.json (activations recorded by PyTorch with each source
/// framework's semantics) through `weightport verify`: passes pass, failures fail where expected.
final class VerifyCasesTests: XCTestCase {
    func testEveryRecordedCase() throws {
        let cases = try XCTUnwrap(try Fixtures.json("verify/cases.json") as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 7)
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let extra = (item["args"] as? [String] ?? []).map { $0.hasSuffix(".json") ? Fixtures.path($0) : $0 }
            let arguments = ["verify", Fixtures.path(item["weights"] as? String ?? ""),
                             "--input", Fixtures.path(item["input"] as? String ?? ""),
                             "--expect", Fixtures.path(item["expect"] as? String ?? ""), "--json"] + extra
            let result = try CLIRunner.run(arguments)
            let passes = item["passes"] as? Bool ?? false
            XCTAssertEqual(result.status, passes ? 0 : 1, "\(name): \(result.stdout.prefix(400)) \(result.stderr)")
            if let needle = item["error_contains"] as? String {
                XCTAssertTrue(result.stderr.contains(needle), "\(name): \(result.stderr)")
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(name): one error line")
                continue
            }
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], name)
            XCTAssertEqual(object["passed"] as? Bool, passes, name)
            let layers = try XCTUnwrap(object["layers"] as? [[String: Any]], name)
            let firstFailing = layers.first { ($0["passed"] as? Bool) == false }?["name"] as? String
            XCTAssertEqual(firstFailing, item["first_failing"] as? String, name)
        }
    }
}
