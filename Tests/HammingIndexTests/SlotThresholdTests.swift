@testable import HammingIndex
import PDQ
import Testing
import VigilTestSupport

/// The per-slot flip thresholds are the whole of the index's exactness: a match at the radius that
/// sits within its threshold in one slot only, and differs by one bit more than the threshold in
/// every other slot, must still be found, whichever slot that is and wherever in the slot its
/// flips fall (directory bits, residual bits, bits below the residual), for the layouts the index
/// picks as banks grow and for a few it does not.
@Suite struct SlotThresholdTests {
    static let layouts = [
        // 600k: 23-24-bit slots under a 15-bit directory, so key bits lie below the 8-bit residual.
        SlotLayout.forCount(5000), SlotLayout.forCount(600_000), SlotLayout.forCount(1_000_000), SlotLayout.forCount(40_000_000),
        SlotLayout.forCount(100_000_000),
        SlotLayout(slotCount: 9, directoryBits: 22), SlotLayout(slotCount: 13, directoryBits: 12),
    ]

    /// Where a test puts the holder slot's flips.
    enum Placement: CaseIterable { case anywhere, directory, lowBits }

    @Test(arguments: layouts)
    func aMatchAtTheRadiusIsFoundThroughTheOneSlotThatHoldsIt(layout: SlotLayout) throws {
        var generator = HashGenerator(seed: UInt64(1000 + layout.slotCount * 31 + layout.directoryBits[0]))
        let target = generator.randomHash()
        let stored = [target] + (0..<3000).map { _ in generator.randomHash() }
        let segment = MultiIndexSegment(hashes: stored, payloads: stored.indices.map(UInt64.init), layout: layout)
        for radius in 0...layout.maximumRadius {
            let thresholds = (0..<layout.slotCount).map { layout.flips(radius: radius, slot: $0) }
            #expect(thresholds.reduce(0) { $0 + $1 + 1 } == radius + 1, "thresholds \(thresholds)")
            for holder in thresholds.indices where thresholds[holder] >= 0 {
                for placement in Placement.allCases {
                    var needle = target
                    for slot in thresholds.indices {
                        let flips = slot == holder ? thresholds[slot] : thresholds[slot] + 1
                        let width = layout.width[slot], directory = layout.directoryBits[slot]
                        // Bit i of a slot's key is hash bit lowBit + i; the directory is the top bits.
                        let range = slot != holder || placement == .anywhere ? 0..<width
                            : placement == .directory ? (width - directory)..<width : 0..<max(width - directory, flips)
                        var bits = Set<Int>()
                        while bits.count < flips { bits.insert(layout.lowBit[slot] + range.randomElement(using: &generator)!) }
                        for bit in bits { needle = needle.flippingBit(bit) }
                    }
                    try #require(needle.distance(to: target) == radius)
                    let hits = segment.search([needle], radius: radius)
                    #expect(hits.contains { $0.payload == 0 && $0.distance == radius },
                            "radius \(radius), flips \(placement): missed a match held by slot \(holder) alone (\(layout))")
                }
            }
        }
    }

    /// Every radius from 0 to the layout's multi-index limit and one beyond (a linear scan), one
    /// needle and eight, against brute force, hashes and distances. Clustered hashes put many in the same buckets; a
    /// hundred that share slot 0's key make a run long enough for the binary search.
    @Test(arguments: layouts)
    func everyRadiusEqualsBruteForce(layout: SlotLayout) {
        var generator = HashGenerator(seed: UInt64(77 + layout.slotCount))
        var stored = generator.clustered(count: 3000)
        let base = stored[0]
        for _ in 0..<100 {
            var variant = generator.randomHash()
            for bit in layout.lowBit[0]..<(layout.lowBit[0] + layout.width[0]) where base.bit(bit) != variant.bit(bit) {
                variant = variant.flippingBit(bit)
            }
            stored.append(variant)
        }
        let segment = MultiIndexSegment(hashes: stored, payloads: stored.indices.map(UInt64.init), layout: layout)
        for query in 0..<8 {
            let needles = (0..<(query % 2 == 0 ? 1 : 8)).map { n in
                n == 0 ? generator.near(stored[query == 0 ? 3050 : Int(generator.next() % UInt64(stored.count))],
                                        distance: Int(generator.next() % 32))
                    : generator.randomHash()
            }
            let distances = stored.map { hash in needles.map { hash.distance(to: $0) }.min() ?? Int.max }
            for radius in 0...(layout.maximumRadius + 1) {
                var want: [UInt64: Int] = [:]
                for (i, d) in distances.enumerated() where d <= radius { want[UInt64(i)] = d }
                var got: [UInt64: Int] = [:]
                for hit in segment.search(needles, radius: radius) { got[hit.payload] = hit.distance }
                #expect(got == want, "\(layout), \(needles.count) needles, radius \(radius)")
            }
        }
        #expect(segment.search([base], radius: -1).isEmpty)
    }

    @Test func slotsWidenAndDirectoriesGrowWithTheBank() {
        let small = SlotLayout.forCount(5000), million = SlotLayout.forCount(1_000_000)
        let tenMillion = SlotLayout.forCount(10_000_000), hundredMillion = SlotLayout.forCount(100_000_000)
        #expect(small.slotCount == 16 && million.slotCount == 11 && tenMillion.slotCount == 11 && hundredMillion.slotCount == 10)
        #expect(small.directoryBits.min() == 8 && million.directoryBits.min() == 16
            && tenMillion.directoryBits.min() == 19 && hundredMillion.directoryBits.min() == 23)
        for layout in [small, million, tenMillion, hundredMillion] { #expect(layout.width.reduce(0, +) == 256) }
    }
}

extension SlotLayout: CustomTestStringConvertible {
    var testDescription: String { "\(slotCount) slots, \(directoryBits.min() ?? 0)-bit directories" }
}
