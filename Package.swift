// swift-tools-version:6.0
import PackageDescription

// Debian keeps the serial HDF5 headers outside the default include path; only the C shim needs them.
let hdf5CFlags: [CSetting] = [.unsafeFlags(["-I/usr/include/hdf5/serial"])]

let package = Package(
    name: "WeightPort",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "WeightPort", targets: ["WeightPort"]),
        .executable(name: "weightport", targets: ["weightport"]),
        // The layers the fuzz targets (fuzz/Package.swift) drive directly, reader by reader.
        .library(name: "WeightPortCore", targets: ["WeightPortCore"]),
        .library(name: "WeightPortFormats", targets: ["WeightPortFormats"]),
        .library(name: "WeightPortHDF5", targets: ["WeightPortHDF5"]),
        .library(name: "WeightPortMapping", targets: ["WeightPortMapping"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // C shims: the only code that includes the system headers.
        .target(name: "CHDF5", cSettings: hdf5CFlags, linkerSettings: [.linkedLibrary("hdf5_serial")]),
        .target(name: "CLibzip", linkerSettings: [.linkedLibrary("zip")]),
        // Loaded with dlopen on first use (see its header); only libdl is linked.
        .target(name: "COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),

        // System calls Swift's Glibc module leaves out (copy_file_range); see its header.
        .target(name: "CSystem"),

        // Statistics (AVX2) and CRC-32 (PCLMULQDQ) kernels, chosen at run time; see the header.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // Layers, dependencies pointing one way.
        .target(name: "WeightPortCore", dependencies: ["CKernels", "CSystem"]),
        .target(name: "WeightPortFormats", dependencies: ["WeightPortCore", "CKernels", "CLibzip", "CSystem"]),
        .target(name: "WeightPortHDF5", dependencies: ["WeightPortCore", "CHDF5"]),
        .target(name: "WeightPortMapping", dependencies: ["WeightPortCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "WeightPortModels", dependencies: ["WeightPortCore"]),
        .target(name: "WeightPortReference", dependencies: ["WeightPortCore", "WeightPortModels", "COpenBLAS"]),
        .target(name: "WeightPort", dependencies: [
            "WeightPortCore", "WeightPortFormats", "WeightPortHDF5", "WeightPortMapping",
            "WeightPortModels", "WeightPortReference",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "weightport", dependencies: [
            "WeightPort", "WeightPortCore", "WeightPortMapping",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "wpbench", dependencies: ["WeightPortReference", "WeightPortModels", "WeightPortCore"],
                          path: "bench/wpbench"),

        // Locates fixtures/ for every test target.
        .target(name: "WeightPortTestSupport", dependencies: ["WeightPortCore"], path: "Tests/WeightPortTestSupport"),
        .testTarget(name: "WeightPortCoreTests", dependencies: ["WeightPortCore", "WeightPortTestSupport"]),
        .testTarget(name: "WeightPortFormatsTests", dependencies: [
            "WeightPortFormats", "WeightPortHDF5", "WeightPort", "WeightPortTestSupport",
        ]),
        .testTarget(name: "WeightPortReferenceTests", dependencies: [
            "WeightPortReference", "WeightPortModels", "WeightPortFormats", "WeightPortTestSupport",
        ]),
        .testTarget(name: "WeightPortMappingTests", dependencies: ["WeightPortMapping", "WeightPortTestSupport"]),
        .testTarget(name: "WeightPortCLITests", dependencies: ["WeightPort", "WeightPortTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
