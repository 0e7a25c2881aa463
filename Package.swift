// swift-tools-version:6.0
import PackageDescription

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
    ],
    targets: [
        // C shims: the only code that includes the system headers.
        // How each of them opens its library on first use (one soname list, one error line).
        .target(name: "CLibraryLoader", linkerSettings: [.linkedLibrary("dl")]),
        // libhdf5 is loaded with dlopen on first use (see CHDF5/loader.c): linked, its ~30-library
        // dependency chain cost every command ~8 ms at start-up. Its headers (libhdf5-dev) give
        // the types; no unsafe flags, so other packages can depend on WeightPort by version.
        .target(name: "CHDF5", dependencies: ["CLibraryLoader"]),
        // libzip and libcrypto are loaded with dlopen on first use too (inflating an .npz member,
        // hashing an export's source): linked, they cost every command ~1 ms at start-up.
        .target(name: "CLibzip", dependencies: ["CLibraryLoader"]),
        // SHA-256 from the system's libcrypto (OpenSSL; see the README's Dependencies).
        .target(name: "CCrypto", dependencies: ["CLibraryLoader"]),
        // Loaded with dlopen on first use (see its header); only libdl is linked.
        .target(name: "COpenBLAS", dependencies: ["CLibraryLoader"]),

        // System calls Swift's Glibc module leaves out (copy_file_range); see its header.
        .target(name: "CSystem"),

        // Statistics (AVX2) and CRC-32 (PCLMULQDQ) kernels, chosen at run time; see the header. The
        // instruction sets are selected per function (`__attribute__((target(…)))`), not by flags.
        .target(name: "CKernels"),

        // Layers, dependencies pointing one way.
        .target(name: "WeightPortCore", dependencies: ["CKernels", "CSystem"]),
        // The words every layer above the readers shares (flags, norm kinds, layouts, features).
        .target(name: "WeightPortVocabulary"),
        .target(name: "WeightPortFormats", dependencies: ["WeightPortCore", "CKernels", "CLibzip", "CSystem"]),
        .target(name: "WeightPortHDF5", dependencies: ["WeightPortCore", "CHDF5", "CSystem"]),
        .target(name: "WeightPortMapping", dependencies: ["WeightPortCore", "WeightPortVocabulary", .product(name: "Yams", package: "Yams")]),
        // mappings/*.yaml compiled in at build time (the YAML stays the only source). A target of its
        // own so the fuzz build, which links libFuzzer's main into every executable, never needs the
        // generator tool.
        .target(name: "WeightPortBuiltInTables", dependencies: ["WeightPortMapping"], plugins: ["EmbedMappingTables"]),
        .executableTarget(name: "embed-mapping-tables"),
        .plugin(name: "EmbedMappingTables", capability: .buildTool(), dependencies: ["embed-mapping-tables"]),
        .target(name: "WeightPortModels", dependencies: ["WeightPortCore", "WeightPortVocabulary"]),
        .target(name: "WeightPortReference", dependencies: ["WeightPortCore", "WeightPortModels", "WeightPortVocabulary", "COpenBLAS", "CKernels"]),
        .target(name: "WeightPort", dependencies: [
            "WeightPortCore", "WeightPortFormats", "WeightPortHDF5", "WeightPortMapping", "WeightPortBuiltInTables",
            "WeightPortModels", "WeightPortReference", "WeightPortVocabulary", "CCrypto",
        ]),
        .executableTarget(name: "weightport", dependencies: [
            "WeightPort", "WeightPortCore", "WeightPortHDF5", "WeightPortMapping", "WeightPortBuiltInTables", "CSystem",
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
        .testTarget(name: "WeightPortHDF5Tests", dependencies: [
            "WeightPortHDF5", "WeightPortFormats", "WeightPortCore", "WeightPortTestSupport",
        ]),
        .testTarget(name: "WeightPortModelsTests", dependencies: [
            "WeightPortModels", "WeightPortVocabulary", "WeightPortCore", "WeightPortTestSupport",
        ]),
        .testTarget(name: "WeightPortTests", dependencies: [
            "WeightPort", "WeightPortMapping", "WeightPortBuiltInTables", "WeightPortModels", "WeightPortVocabulary", "WeightPortCore",
            "WeightPortTestSupport",
        ]),
        .testTarget(name: "WeightPortReferenceTests", dependencies: [
            "WeightPortReference", "WeightPortModels", "WeightPortFormats", "WeightPortTestSupport",
        ]),
        .testTarget(name: "WeightPortMappingTests", dependencies: [
            "WeightPortMapping", "WeightPortBuiltInTables", "WeightPortVocabulary", "WeightPortTestSupport",
        ]),
        .testTarget(name: "WeightPortCLITests", dependencies: [
            "WeightPort", "WeightPortFormats", "WeightPortCore", "WeightPortTestSupport",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
