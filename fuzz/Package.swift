// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for every WeightPort reader (issue #12). A package of its own so that the
// root build never sees them; `make fuzz` builds it with `--sanitize=fuzzer --sanitize=address`
// into fuzz/.build (see fuzz/run). Each target is one `LLVMFuzzerTestOneInput`; libFuzzer
// supplies `main`, hence `-parse-as-library`.
let readers = [
    "pickle", "torch-zip", "torch-legacy", "caffemodel", "safetensors", "npy", "npz", "hdf5", "hdf5-output", "mapping",
    "detect",
]

let package = Package(
    name: "WeightPortFuzz",
    platforms: [.macOS(.v13)],
    // Named explicitly: a path dependency is otherwise known by its folder name, which differs
    // between clones (CI checks out into another folder).
    dependencies: [.package(name: "WeightPort", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [
            .product(name: "WeightPortCore", package: "WeightPort"),
            .product(name: "WeightPortFormats", package: "WeightPort"),
            .product(name: "WeightPortHDF5", package: "WeightPort"),
            .product(name: "WeightPortMapping", package: "WeightPort"),
        ]),
    ] + readers.map { reader in
        .executableTarget(name: "fuzz-\(reader)", dependencies: ["FuzzSupport"], path: "Targets/\(reader)",
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    },
    swiftLanguageModes: [.v6]
)
