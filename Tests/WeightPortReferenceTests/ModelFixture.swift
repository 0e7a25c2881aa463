import Foundation
import WeightPortCore
import WeightPortFormats
import WeightPortModels
import WeightPortReference
import WeightPortTestSupport

/// One committed variant under fixtures/models/<name>/, written by fixtures/gen_models.py.
struct ModelFixture {
    let name: String
    let spec: ArchitectureSpec
    let weights: StateDict
    let input: Tensor
    let features: StateDict

    init(_ name: String) throws {
        self.name = name
        let directory = "models/\(name)/"
        let json = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(directory + "arch.json")))
        spec = try JSONDecoder().decode(ArchitectureSpec.self, from: json)
        weights = try SafetensorsReader.read(Fixtures.bytes(directory + "weights.safetensors")).tensors
        let inputs = try SafetensorsReader.read(Fixtures.bytes(directory + "input.safetensors")).tensors
        guard let input = inputs["input"] else { throw FixtureError.missing("input", in: name) }
        self.input = input
        features = try SafetensorsReader.read(Fixtures.bytes(directory + "features.safetensors")).tensors
    }

    /// The features PyTorch recorded, as `Parity` takes them.
    var expected: [String: (values: [Float], shape: [Int])] {
        var result: [String: (values: [Float], shape: [Int])] = [:]
        for (name, tensor) in features { result[name] = (tensor.floats(), tensor.shape) }
        return result
    }
}

enum FixtureError: Error {
    case missing(String, in: String)
}
