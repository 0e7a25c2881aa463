import XCTest
@testable import WeightPortReference

/// The channels-last RoIAlign kernel against the plane-by-plane one (which the torchvision
/// fixtures check): same operations in the same order per channel, so every value must be
/// bit-identical (tolerance 0), for both variants, fixed and adaptive sampling, boxes reaching
/// past the map, empty aligned boxes, two images, and channel counts with and without a
/// remainder after the 8-wide vectors.
final class RoIAlignChannelsLastTests: XCTestCase {
    private func boxes(batch: Int) -> [RoIBox] {
        var result: [RoIBox] = []
        for i in 0..<23 {
            let x1 = Float((i * 37) % 70) - 6.25, y1 = Float((i * 53) % 60) - 3.5
            result.append(RoIBox(batchIndex: i % batch, x1: x1, y1: y1, x2: x1 + Float(3 + (i * 29) % 55), y2: y1 + Float(2 + (i * 31) % 47)))
        }
        result.append(RoIBox(batchIndex: 0, x1: 10, y1: 10, x2: 10, y2: 10))          // empty: aligned pools zeros
        result.append(RoIBox(batchIndex: batch - 1, x1: 60, y1: 50, x2: 140, y2: 90))  // reaches past the map
        return result
    }

    func testChannelsLastEqualsPlanarBitForBit() throws {
        for (channels, batch) in [(8, 1), (13, 2), (40, 1), (256, 2)] {
            let x = FeatureMap(values: NaiveOps.random(batch * channels * 31 * 37, seed: UInt64(channels)),
                               shape: [batch, channels, 31, 37])
            let boxes = boxes(batch: batch)
            let rows = Array(boxes.indices.reversed())   // rows need not follow the boxes' order
            for aligned in [false, true] {
                for (size, sampling) in [(7, 2), (14, 0), (3, 1)] {
                    let align = try RoIAlign(outputSize: size, spatialScale: 0.5, samplingRatio: sampling, aligned: aligned)
                    let planar = FeatureMap(batch: boxes.count, channels: channels, height: size, width: size, pool: BufferPool())
                    let channelsLast = FeatureMap(batch: boxes.count, channels: channels, height: size, width: size, pool: BufferPool())
                    align.extractPlanar(x, boxes: boxes, rows: rows, into: planar)
                    align.extractChannelsLast(x, boxes: boxes, rows: rows, into: channelsLast)
                    let a = planar.values(), b = channelsLast.values()
                    XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern),
                                   "C \(channels), batch \(batch), aligned \(aligned), \(size)×\(size), sampling \(sampling)")
                    XCTAssertGreaterThan(a.filter { $0 != 0 }.count, a.count / 2, "the boxes pool real values")
                }
            }
        }
    }

    /// The copy is chosen when the boxes sample at least half as many points as the map has
    /// pixels, and not for a handful of boxes on a large map or fewer than 8 channels.
    func testChannelsLastIsChosenByTheSampleCount() throws {
        let align = try RoIAlign(outputSize: 7, spatialScale: 0.25, samplingRatio: 2, aligned: false)
        let map = FeatureMap(batch: 1, channels: 256, height: 200, width: 200, pool: BufferPool())
        let box = RoIBox(x1: 0, y1: 0, x2: 100, y2: 100)
        // 196 samples a box against 40,000 pixels: 102 boxes reach half.
        XCTAssertFalse(align.useChannelsLast(map, boxes: Array(repeating: box, count: 101)))
        XCTAssertTrue(align.useChannelsLast(map, boxes: Array(repeating: box, count: 103)))
        let thin = FeatureMap(batch: 1, channels: 4, height: 20, width: 20, pool: BufferPool())
        XCTAssertFalse(align.useChannelsLast(thin, boxes: Array(repeating: box, count: 50)))
    }
}
