#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PDQ

/// How multi-index hashing splits the 256 bits into slots (Norouzi et al.; ../shared pdq.md §4),
/// chosen for the number of hashes a segment holds.
///
/// A needle probes, in each slot, every key within a few bit flips of its own (`flips`); a
/// probed key holds about N/2ʷ hashes for a slot w bits wide, each a candidate whose full distance
/// is then checked, a cache miss each. Slots widen as the bank grows (`forCount`: 16 of 16 bits for
/// small segments, 11 of 23–24 bits at 1M–10M, 10 of 25–26 at 100M) so that the candidates do not
/// grow as fast as the bank. (The reference's 16 of 16 bits checks ~40 000 candidates a needle at
/// 10M.) Each slot's keys are found through a directory on their top bits (about log2(N) − 4 of
/// them, so a directory bucket holds about 16 entries) and a residual of up to 8 bits below them.
struct SlotLayout: Sendable, Equatable {
    let slotCount: Int
    let lowBit: [Int]
    let width: [Int]
    /// Per slot, the key's top bits that index the bucket directory.
    let directoryBits: [Int]

    /// Radii above this use a linear scan: 4 flips in a slot would mean tens of thousands of probes.
    var maximumRadius: Int { slotCount * 4 - 1 }

    /// `slotCount` slots of nearly equal width, with directories of `directoryBits` bits (at most
    /// each slot's width).
    init(slotCount: Int, directoryBits: Int) {
        // Keys are at most 32 bits (8 slots) and directories at most 2²⁶ buckets.
        precondition((8...32).contains(slotCount) && (1...26).contains(directoryBits))
        var low: [Int] = [], width: [Int] = []
        var bit = 0
        for slot in 0..<slotCount {
            let w = 256 / slotCount + (slot < 256 % slotCount ? 1 : 0)
            low.append(bit)
            width.append(w)
            bit += w
        }
        self.slotCount = slotCount
        self.lowBit = low
        self.width = width
        self.directoryBits = width.map { min($0, directoryBits) }
    }

    /// The layout for a segment of `count` hashes, by measurement (docs/benchmarks.md, issue 33):
    /// 16 slots are fastest below about 500k hashes (few candidates either way, and 16 probe the
    /// fewest buckets), 11 up to tens of millions, 10 beyond (in one run at 100M a query took
    /// 0.92 ms with 10 against 1.31 ms with 11, and 1.15 ms with 9: their probes outgrow the
    /// candidates they save).
    static func forCount(_ count: Int) -> SlotLayout {
        let slots = count < 500_000 ? 16 : count < 32_000_000 ? 11 : 10
        // About 16 entries a bucket: a directory ~2 bits narrower made the 100M query 1.5x slower.
        let directory = min(24, max(8, Int(log2(Double(max(count, 2))).rounded()) - 4))
        return SlotLayout(slotCount: slots, directoryBits: directory)
    }

    /// Flips to probe in `slot` for `radius`; -1 when the slot need not be probed at all.
    ///
    /// The pigeonhole bound, tightened: if every slot i differed by more than tᵢ bits, the hashes
    /// would differ by at least Σ(tᵢ + 1) bits. So thresholds with Σ(tᵢ + 1) = radius + 1 find
    /// every match. At radius 31 with 11 slots that is 2 flips in ten slots and 1 in the last
    /// (⌊31/11⌋ = 2 in all eleven would probe a whole slot's worth more); at radius 0 one slot
    /// alone is enough.
    func flips(radius: Int, slot: Int) -> Int {
        let share = (radius + 1) / slotCount, remainder = (radius + 1) % slotCount
        return share - 1 + (slot < remainder ? 1 : 0)
    }

    /// Residual bits kept per entry (the key bits right below the directory bits; up to 8).
    func residualBits(slot: Int) -> Int { min(8, width[slot] - directoryBits[slot]) }

    @inline(__always)
    func key(_ hash: PDQHash, slot: Int) -> UInt32 {
        let lo = lowBit[slot], w = width[slot]
        let q = lo >> 6, offset = lo & 63
        var value = hash.word(q) >> UInt64(offset)
        if offset + w > 64 { value |= hash.word(q + 1) << UInt64(64 - offset) }
        return UInt32(truncatingIfNeeded: value & ((1 << UInt64(w)) - 1))
    }

    /// How many keys `forEachNeighbour` visits: the keys within `flips` flips of `width` bits.
    static func neighbourCount(width: Int, flips: Int) -> Int {
        guard flips >= 0 else { return 0 }
        var total = 0, choose = 1
        for k in 0...min(flips, width) {
            total += choose
            choose = choose * (width - k) / (k + 1)
        }
        return total
    }

    /// Calls `body` with `key` and every key within `flips` bit flips of it (flips ≤ 3), and the
    /// number of bits flipped.
    @inline(__always)
    static func forEachNeighbour(of key: UInt32, width: Int, flips: Int, _ body: (UInt32, Int) -> Void) {
        precondition((0...3).contains(flips) && width <= 32)
        body(key, 0)
        guard flips >= 1 else { return }
        for i in 0..<width {
            let k1 = key ^ (1 << UInt32(i))
            body(k1, 1)
            guard flips >= 2 else { continue }
            for j in (i + 1)..<width {
                let k2 = k1 ^ (1 << UInt32(j))
                body(k2, 2)
                guard flips >= 3 else { continue }
                for l in (j + 1)..<width { body(k2 ^ (1 << UInt32(l)), 3) }
            }
        }
    }
}
