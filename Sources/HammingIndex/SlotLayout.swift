import PDQ

/// How multi-index hashing splits the 256 bits into slots (Norouzi et al.; ../shared pdq.md §4).
///
/// Vigil uses 11 slots of 23–24 bits rather than the reference's 16 of 16: at the conventional
/// radius 31 a match then differs by at most 2 bits in one of ten slots or 1 bit in the eleventh
/// (277–301 probes in each of ten slots and 24 in the last, 2 866 per needle), and with 23+ bits
/// a probed bucket holds about N/2²³ hashes, so a 10M-hash query inspects a few thousand
/// candidates instead of the ~40 000 that 16-bit slots give.
struct SlotLayout: Sendable {
    static let slotCount = 11
    /// Top bits of each slot key used to index the bucket directory; the rest is the residual.
    static let directoryBits = 16

    /// Radii above this use a linear scan: 4 flips per slot would mean tens of thousands of probes.
    static let maximumRadius = slotCount * 4 - 1

    let lowBit: [Int]
    let width: [Int]

    static let standard: SlotLayout = {
        var low: [Int] = [], width: [Int] = []
        var bit = 0
        for slot in 0..<slotCount {
            let w = 256 / slotCount + (slot < 256 % slotCount ? 1 : 0)
            low.append(bit)
            width.append(w)
            bit += w
        }
        return SlotLayout(lowBit: low, width: width)
    }()

    /// Flips to probe in `slot` for `radius`; -1 when the slot need not be probed at all.
    ///
    /// The pigeonhole bound, tightened: if every slot i differed by more than tᵢ bits, the hashes
    /// would differ by at least Σ(tᵢ + 1) bits. So thresholds with Σ(tᵢ + 1) = radius + 1 find
    /// every match. At radius 31 that is 2 flips in ten slots and 1 in the last (⌊31/11⌋ = 2 in
    /// all eleven probes 120 buckets more); at radius 0 one slot alone is enough.
    static func flips(radius: Int, slot: Int) -> Int {
        let share = (radius + 1) / slotCount, remainder = (radius + 1) % slotCount
        return share - 1 + (slot < remainder ? 1 : 0)
    }

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
