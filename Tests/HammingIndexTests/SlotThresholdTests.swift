@testable import HammingIndex
import PDQ
import Testing
import VigilTestSupport

/// The per-slot flip thresholds are the whole of the index's exactness: a match at the radius that
/// sits within its threshold in one slot only, and differs by one bit more than the threshold in
/// every other slot, must still be found, whichever slot that is, for every layout the index picks
/// as banks grow (9 to 16 slots, directories narrower than or as wide as the slots).
@Suite struct SlotThresholdTests {
    static let layouts = [
        SlotLayout(slotCount: 9, directoryBits: 22), SlotLayout(slotCount: 10, directoryBits: 8),
        SlotLayout(slotCount: 11, directoryBits: 16), SlotLayout(slotCount: 13, directoryBits: 12),
        SlotLayout(slotCount: 16, directoryBits: 16),
    ]

    @Test(arguments: [0, 5, 10, 21, 30, 31, 32, 35], layouts)
    func aMatchAtTheRadiusIsFoundThroughTheOneSlotThatHoldsIt(radius: Int, layout: SlotLayout) throws {
        var generator = HashGenerator(seed: UInt64(1000 + radius * 17 + layout.slotCount))
        let target = generator.randomHash()
        let stored = [target] + (0..<5000).map { _ in generator.randomHash() }
        let segment = MultiIndexSegment(hashes: stored, payloads: stored.indices.map(UInt64.init), layout: layout)
        let thresholds = (0..<layout.slotCount).map { layout.flips(radius: radius, slot: $0) }
        #expect(thresholds.reduce(0) { $0 + $1 + 1 } == radius + 1, "thresholds \(thresholds)")
        for holder in thresholds.indices where thresholds[holder] >= 0 {
            for _ in 0..<3 {
                var needle = target
                for slot in thresholds.indices {
                    let flips = slot == holder ? thresholds[slot] : thresholds[slot] + 1
                    var bits = Set<Int>()
                    while bits.count < flips {
                        bits.insert(layout.lowBit[slot] + Int(generator.next() % UInt64(layout.width[slot])))
                    }
                    for bit in bits { needle = needle.flippingBit(bit) }
                }
                try #require(needle.distance(to: target) == radius)
                let hits = segment.search([needle], radius: radius)
                #expect(hits.contains { $0.payload == 0 && $0.distance == radius },
                        "radius \(radius): missed a match held by slot \(holder) alone (\(layout.slotCount) slots, thresholds \(thresholds))")
            }
        }
    }

    /// Every radius from 0 to 31, one needle and eight, against brute force, on each layout:
    /// clustered hashes put many candidates in the same buckets, some runs long and some empty.
    @Test(arguments: layouts)
    func everyRadiusEqualsBruteForce(layout: SlotLayout) {
        var generator = HashGenerator(seed: UInt64(77 + layout.slotCount))
        let stored = generator.clustered(count: 6000)
        let segment = MultiIndexSegment(hashes: stored, payloads: stored.indices.map(UInt64.init), layout: layout)
        for query in 0..<12 {
            let needles = (0..<(query % 2 == 0 ? 1 : 8)).map { n in
                n == 0 ? generator.near(stored[Int(generator.next() % UInt64(stored.count))], distance: Int(generator.next() % 32))
                    : generator.randomHash()
            }
            for radius in 0...31 {
                var want: [UInt64: Int] = [:]
                for (i, hash) in stored.enumerated() {
                    let d = needles.map { hash.distance(to: $0) }.min() ?? Int.max
                    if d <= radius { want[UInt64(i)] = d }
                }
                var got: [UInt64: Int] = [:]
                for hit in segment.search(needles, radius: radius) { got[hit.payload] = hit.distance }
                #expect(got == want, "\(layout.slotCount) slots, \(needles.count) needles, radius \(radius)")
            }
        }
    }

    @Test func slotsWidenAndDirectoriesGrowWithTheBank() {
        let small = SlotLayout.forCount(5000), million = SlotLayout.forCount(1_000_000)
        let tenMillion = SlotLayout.forCount(10_000_000), hundredMillion = SlotLayout.forCount(100_000_000)
        #expect(small.slotCount == 16 && million.slotCount == 11 && tenMillion.slotCount == 11 && hundredMillion.slotCount == 10)
        #expect(small.directoryBits.min() == 8 && million.directoryBits.min() == 16 && tenMillion.directoryBits.min() == 19 && hundredMillion.directoryBits.min() == 23)
        for layout in [small, million, tenMillion, hundredMillion] {
            #expect(layout.width.reduce(0, +) == 256)
            #expect(zip(layout.width, layout.directoryBits).allSatisfy { $1 <= $0 && $0 - $1 >= 0 })
        }
    }
}

extension SlotLayout: CustomTestStringConvertible {
    var testDescription: String { "\(slotCount) slots, \(directoryBits.min() ?? 0)-bit directories" }
}
