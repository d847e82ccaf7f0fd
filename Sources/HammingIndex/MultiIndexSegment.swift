import Dispatch
import PDQ

/// An immutable multi-index-hashing segment: for each of the 11 slots, the stored positions
/// sorted by slot key, found through a 2¹⁶-bucket directory on the key's top bits and a one-byte
/// residual for the rest. A query probes every key within a few flips in each slot (how many:
/// `SlotLayout.flips`) and checks the full 256-bit distance of each candidate, so results equal a
/// brute-force scan exactly.
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

    /// Probes bucket by bucket, in phases. A query is made of cache misses: at radius 31 ten
    /// slots have 137 directory buckets to look at (1 + 16 + 120: the key's top 16 bits with up to
    /// two flipped) and the last 17, each a miss on the directory and one on its residual run.
    /// Loaded one bucket at a time, every miss waits for the one before; so all of a slot's
    /// directory entries are read first, then the first residual of every run, in loops of
    /// independent loads the CPU overlaps, and only then are the runs searched, their cache lines
    /// already fetched.
    ///
    /// The neighbours that share a bucket are found in one pass over its residuals (a residual
    /// within the flips the bucket left to spare); a bucket with none to spare is searched for the
    /// target residual (forward when its run is short, binary otherwise).
    /// The candidates are gathered, and their positions and hashes loaded, the same way.
    func search(_ needles: [PDQHash], radius: Int) -> [PDQHit] {
        let layout = SlotLayout.standard
        var collector = HitCollector()
        // Slot 0 probes the most flips (see `SlotLayout.flips`); the scratch arrays fit its buckets.
        let mostFlips = SlotLayout.flips(radius: radius, slot: 0)
        guard mostFlips >= 0 else { return [] }
        let bucketCount = SlotLayout.neighbourCount(width: SlotLayout.directoryBits, flips: mostFlips)
        var buckets = [Int](repeating: 0, count: bucketCount)
        var spares = [Int](repeating: 0, count: bucketCount)
        var starts = [Int](repeating: 0, count: bucketCount)
        var ends = [Int](repeating: 0, count: bucketCount)
        var firsts = [UInt8](repeating: 0, count: bucketCount)
        var candidates: [Int] = []
        var candidatePositions: [UInt32] = []
        var distances: [Int] = []
        hashes.withUnsafeBufferPointer { stored in
            for slot in 0..<SlotLayout.slotCount {
                let flips = SlotLayout.flips(radius: radius, slot: slot)
                guard flips >= 0 else { continue }
                let table = slots[slot]
                let residualBits = UInt32(layout.width[slot] - SlotLayout.directoryBits)
                let mask = (UInt32(1) << residualBits) - 1
                table.offsets.withUnsafeBufferPointer { offsets in
                    table.residuals.withUnsafeBufferPointer { residuals in
                        table.positions.withUnsafeBufferPointer { positions in
                            for (n, needle) in needles.enumerated() {
                                let key = layout.key(needle, slot: slot)
                                let target = UInt8(truncatingIfNeeded: key & mask)
                                var count = 0
                                SlotLayout.forEachNeighbour(of: key >> residualBits, width: SlotLayout.directoryBits,
                                                            flips: flips) { d, used in
                                    buckets[count] = Int(d)
                                    spares[count] = flips - used
                                    count += 1
                                }
                                // Phase 1: every directory entry (independent loads).
                                for k in 0..<count {
                                    starts[k] = Int(offsets[buckets[k]])
                                    ends[k] = Int(offsets[buckets[k] + 1])
                                }
                                // Phase 2: the first residual of every run (independent loads).
                                for k in 0..<count where starts[k] < ends[k] {
                                    firsts[k] = residuals[starts[k]]
                                }
                                // Phase 3: the runs, now in cache, give the candidates.
                                candidates.removeAll(keepingCapacity: true)
                                for k in 0..<count where starts[k] < ends[k] {
                                    let start = starts[k], end = ends[k]
                                    if spares[k] == 0 {
                                        // Sorted: a run that starts above the target cannot hold it.
                                        guard firsts[k] <= target else { continue }
                                        var lo = start, hi = end
                                        if end - start <= 32 {
                                            // A short run (a bank of a few million hashes has ~15 a bucket)
                                            // sits in one or two cache lines: a forward scan beats a binary
                                            // search's unpredictable branches.
                                            while lo < end && residuals[lo] < target { lo += 1 }
                                            hi = lo
                                        }
                                        while lo < hi {
                                            let mid = (lo + hi) >> 1
                                            if residuals[mid] < target { lo = mid + 1 } else { hi = mid }
                                        }
                                        while lo < end && residuals[lo] == target {
                                            candidates.append(lo)
                                            lo += 1
                                        }
                                    } else {
                                        let spare = spares[k]
                                        for index in start..<end where (residuals[index] ^ target).nonzeroBitCount <= spare {
                                            candidates.append(index)
                                        }
                                    }
                                }
                                // Phase 4: their positions, then their hashes' distances (independent loads).
                                candidatePositions.removeAll(keepingCapacity: true)
                                for index in candidates { candidatePositions.append(positions[index]) }
                                distances.removeAll(keepingCapacity: true)
                                for position in candidatePositions { distances.append(stored[Int(position)].distance(to: needle)) }
                                for (c, distance) in distances.enumerated() where distance <= radius {
                                    collector.record(position: candidatePositions[c], distance: distance, needle: n)
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
