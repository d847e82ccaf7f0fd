@testable import HammingIndex
import PDQ
import Testing
import VigilTestSupport

/// The per-slot flip thresholds are the whole of the index's exactness: a match at the radius that
/// sits within its threshold in one slot only, and differs by one bit more than the threshold in
/// every other slot, must still be found, whichever slot that is.
@Suite struct SlotThresholdTests {
    @Test(arguments: [0, 5, 10, 21, 30, 31, 32, 42, 43])
    func aMatchAtTheRadiusIsFoundThroughTheOneSlotThatHoldsIt(radius: Int) throws {
        var generator = HashGenerator(seed: UInt64(1000 + radius))
        let target = generator.randomHash()
        // Over the flat limit, so the index is a multi-index segment, not a linear scan.
        let stored = [target] + (0..<PDQIndex.flatLimit + 1000).map { _ in generator.randomHash() }
        let index = PDQIndex()
        index.load(stored, payloads: stored.indices.map(UInt64.init))
        let layout = SlotLayout.standard
        let thresholds = (0..<SlotLayout.slotCount).map { SlotLayout.flips(radius: radius, slot: $0) }
        #expect(thresholds.reduce(0) { $0 + $1 + 1 } == radius + 1, "thresholds \(thresholds)")
        for holder in thresholds.indices where thresholds[holder] >= 0 {
            for _ in 0..<4 {
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
                let hits = index.snapshot.search([needle], radius: radius)
                #expect(hits.contains { $0.payload == 0 && $0.distance == radius },
                        "radius \(radius): missed a match held by slot \(holder) alone (thresholds \(thresholds))")
            }
        }
    }
}
