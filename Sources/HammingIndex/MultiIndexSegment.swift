import Dispatch
import PDQ

/// An immutable multi-index-hashing segment: for each of the 11 slots, the stored positions
/// sorted by slot key, found through a 2¹⁶-bucket directory on the key's top bits and a one-byte
/// residual for the rest. A query probes every key within ⌊radius/11⌋ flips in every slot and checks
/// the full 256-bit distance of each candidate, so results equal a brute-force scan exactly.
struct MultiIndexSegment: Sendable {
    let hashes: [PDQHash]
    let payloads: [UInt64]
    let slots: [SlotTable]

    struct SlotTable: Sendable {
        /// `offsets[d] ..< offsets[d + 1]` is the run of directory bucket `d`.
        let offsets: [UInt32]
        /// The key bits below the directory bits, sorted within each bucket.
        let residuals: [UInt8]
        /// Positions into `hashes`, in the same order as `residuals`.
        let positions: [UInt32]
    }

    var count: Int { hashes.count }

    /// Bytes held, for memory reports.
    var byteCount: Int {
        hashes.count * 32 + payloads.count * 8
            + slots.reduce(0) { $0 + $1.offsets.count * 4 + $1.residuals.count + $1.positions.count * 4 }
    }

    init(hashes: [PDQHash], payloads: [UInt64]) {
        precondition(hashes.count == payloads.count && hashes.count < Int(UInt32.max))
        self.hashes = hashes
        self.payloads = payloads
        let layout = SlotLayout.standard
        var tables = [SlotTable?](repeating: nil, count: SlotLayout.slotCount)
        // Slots are independent: build them on every core.
        tables.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: SlotLayout.slotCount) { slot in
                out[slot] = Self.buildSlot(hashes, slot: slot, layout: layout)
            }
        }
        self.slots = tables.map { $0! }
    }

    private static func buildSlot(_ hashes: [PDQHash], slot: Int, layout: SlotLayout) -> SlotTable {
        let n = hashes.count
        let residualBits = layout.width[slot] - SlotLayout.directoryBits
        let bucketCount = 1 << SlotLayout.directoryBits
        var keys = [UInt32](repeating: 0, count: n)
        var offsets = [UInt32](repeating: 0, count: bucketCount + 1)
        for i in 0..<n {
            let key = layout.key(hashes[i], slot: slot)
            keys[i] = key
            offsets[Int(key >> UInt32(residualBits)) + 1] += 1
        }
        for d in 0..<bucketCount { offsets[d + 1] += offsets[d] }
        // Counting sort by bucket, then each (small) bucket by residual.
        var cursor = offsets
        var packed = [UInt64](repeating: 0, count: n) // residual << 32 | position
        let mask = (UInt32(1) << UInt32(residualBits)) - 1
        for i in 0..<n {
            let d = Int(keys[i] >> UInt32(residualBits))
            packed[Int(cursor[d])] = UInt64(keys[i] & mask) << 32 | UInt64(i)
            cursor[d] += 1
        }
        packed.withUnsafeMutableBufferPointer { buffer in
            for d in 0..<bucketCount where offsets[d + 1] - offsets[d] > 1 {
                var run = UnsafeMutableBufferPointer(rebasing: buffer[Int(offsets[d])..<Int(offsets[d + 1])])
                run.sort()
            }
        }
        return SlotTable(
            offsets: offsets,
            residuals: packed.map { UInt8(truncatingIfNeeded: $0 >> 32) },
            positions: packed.map { UInt32(truncatingIfNeeded: $0) })
    }

    func search(_ needles: [PDQHash], radius: Int) -> [PDQHit] {
        let layout = SlotLayout.standard
        let flips = SlotLayout.flipsPerSlot(radius: radius)
        var collector = HitCollector()
        hashes.withUnsafeBufferPointer { stored in
            for slot in 0..<SlotLayout.slotCount {
                let table = slots[slot]
                let width = layout.width[slot]
                let residualBits = UInt32(width - SlotLayout.directoryBits)
                let mask = (UInt32(1) << residualBits) - 1
                table.offsets.withUnsafeBufferPointer { offsets in
                    table.residuals.withUnsafeBufferPointer { residuals in
                        table.positions.withUnsafeBufferPointer { positions in
                            for (n, needle) in needles.enumerated() {
                                SlotLayout.forEachNeighbour(of: layout.key(needle, slot: slot), width: width, flips: flips) { key in
                                    let d = Int(key >> residualBits)
                                    let target = UInt8(truncatingIfNeeded: key & mask)
                                    var lo = Int(offsets[d]), hi = Int(offsets[d + 1])
                                    // Lower bound of `target` in the sorted residual run.
                                    while lo < hi {
                                        let mid = (lo + hi) >> 1
                                        if residuals[mid] < target { lo = mid + 1 } else { hi = mid }
                                    }
                                    let end = Int(offsets[d + 1])
                                    while lo < end && residuals[lo] == target {
                                        let position = positions[lo]
                                        let distance = stored[Int(position)].distance(to: needle)
                                        if distance <= radius {
                                            collector.record(position: position, distance: distance, needle: n)
                                        }
                                        lo += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return collector.hits(hashes: hashes, payloads: payloads)
    }

    /// Linear scan of this segment, for radii beyond multi-index hashing.
    func scan(_ needles: [PDQHash], radius: Int) -> [PDQHit] {
        FlatSegment(hashes: hashes, payloads: payloads).search(needles, radius: radius)
    }
}
