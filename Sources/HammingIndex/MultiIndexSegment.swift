import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PDQ

/// An immutable multi-index-hashing segment: for each slot of the layout, the stored positions
/// sorted by slot key, found through a directory on the key's top bits and a residual of up to 8
/// of the bits below (fewer in wide directories; bits not kept only make more candidates). A
/// query probes every key within a few flips in each slot (`SlotLayout.flips`) and checks the full
/// 256-bit distance of each candidate, so results equal a brute-force scan exactly.
struct MultiIndexSegment: Sendable {
    let layout: SlotLayout
    let hashes: PageBuffer<PDQHash>
    /// Read only for hits: an array as given (no copy of 8 bytes a hash at load).
    let payloads: [UInt64]
    let slots: [SlotTable]

    struct SlotTable: Sendable {
        /// `offsets[d] ..< offsets[d + 1]` is the run of directory bucket `d`.
        let offsets: PageBuffer<UInt32>
        /// The residual of each entry's key, sorted within each bucket.
        let residuals: PageBuffer<UInt8>
        /// Positions into `hashes`, in the same order as `residuals`.
        let positions: PageBuffer<UInt32>
    }

    var count: Int { hashes.count }

    /// Bytes held, for memory reports.
    var byteCount: Int {
        hashes.byteCount + payloads.count * 8
            + slots.reduce(0) { $0 + $1.offsets.byteCount + $1.residuals.byteCount + $1.positions.byteCount }
    }

    init(hashes: [PDQHash], payloads: [UInt64], layout: SlotLayout? = nil) {
        precondition(hashes.count == payloads.count && hashes.count < Int(UInt32.max))
        let layout = layout ?? SlotLayout.forCount(hashes.count)
        self.layout = layout
        let stored = PageBuffer(hashes)
        self.hashes = stored
        self.payloads = payloads
        var tables = [SlotTable?](repeating: nil, count: layout.slotCount)
        // Slots are independent: each core builds every n-th one, reusing its sort buffers from
        // slot to slot (fresh ones would be fresh pages, which the kernel zeroes: 40% of the 100M
        // build's profile). At most 4: each holds 12 bytes a hash of them (1.2 GB at 100M).
        let workers = min(layout.slotCount, 4, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        tables.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let keys = PageScratch<UInt32>(count: stored.count), packed = PageScratch<UInt64>(count: stored.count)
                withExtendedLifetime((keys, packed)) {
                    for slot in stride(from: worker, to: layout.slotCount, by: workers) {
                        out[slot] = Self.buildSlot(stored.buffer, slot: slot, layout: layout,
                                                   keys: keys.buffer, packed: packed.buffer)
                    }
                }
            }
        }
        self.slots = tables.map { $0! }
    }

    /// One slot's table: a counting sort of the positions by directory bucket, then each bucket
    /// by residual. `keys` and `packed` are scratch space of one element per hash.
    private static func buildSlot(_ hashes: UnsafeBufferPointer<PDQHash>, slot: Int, layout: SlotLayout,
                                  keys: UnsafeMutableBufferPointer<UInt32>,
                                  packed: UnsafeMutableBufferPointer<UInt64>) -> SlotTable {
        let n = hashes.count
        let directoryShift = UInt32(layout.width[slot] - layout.directoryBits[slot])
        let residualShift = directoryShift - UInt32(layout.residualBits(slot: slot))
        let residualMask = (UInt32(1) << UInt32(layout.residualBits(slot: slot))) - 1
        let bucketCount = 1 << layout.directoryBits[slot]
        let offsets = PageBuffer<UInt32>(count: bucketCount + 1) { counts in
            counts.initialize(repeating: 0)
            for i in 0..<n {
                let key = layout.key(hashes[i], slot: slot)
                keys[i] = key
                counts[Int(key >> directoryShift) + 1] += 1
            }
            for d in 0..<bucketCount { counts[d + 1] += counts[d] }
        }
        // Counting sort by bucket (residual << 32 | position), then each (small) bucket by residual.
        let cursors = PageScratch<UInt32>(count: offsets.count)
        withExtendedLifetime(cursors) {
            let cursor = cursors.buffer
            _ = cursor.initialize(from: offsets.buffer)
            for i in 0..<n {
                let d = Int(keys[i] >> directoryShift)
                packed[Int(cursor[d])] = UInt64((keys[i] >> residualShift) & residualMask) << 32 | UInt64(i)
                cursor[d] += 1
            }
        }
        for d in 0..<bucketCount {
            let start = Int(offsets[d]), end = Int(offsets[d + 1])
            guard end - start > 1 else { continue }
            if end - start <= 32 {
                // Insertion sort: most buckets hold a cache line of entries.
                for i in (start + 1)..<end {
                    let value = packed[i]
                    var j = i
                    while j > start && packed[j - 1] > value { packed[j] = packed[j - 1]; j -= 1 }
                    packed[j] = value
                }
            } else {
                var run = UnsafeMutableBufferPointer(rebasing: packed[start..<end])
                run.sort()
            }
        }
        return SlotTable(
            offsets: offsets,
            residuals: PageBuffer(count: n) { out in for i in 0..<n { out[i] = UInt8(truncatingIfNeeded: packed[i] >> 32) } },
            positions: PageBuffer(count: n) { out in for i in 0..<n { out[i] = UInt32(truncatingIfNeeded: packed[i]) } })
    }

    /// Probes slot by slot, every needle at once, in phases. A query is made of cache misses (at
    /// radius 31 each needle probes a few thousand buckets and checks about as many candidates):
    /// loaded one bucket at a time, every miss would wait for the one before. So each phase is a
    /// loop of independent loads the CPU overlaps: all of a slot's directory entries first, then
    /// the first residual of every run, then the runs (their lines already fetched) give the
    /// candidates, whose positions and then hashes are loaded the same way.
    ///
    /// The neighbours that share a bucket are found in one pass over its residuals (a residual
    /// within the flips the bucket left to spare); a bucket with none to spare is searched for the
    /// target residual (forward when its run is short, binary otherwise).
    func search(_ needles: [PDQHash], radius: Int) -> [PDQHit] {
        var collector = HitCollector()
        guard radius >= 0, !needles.isEmpty else { return [] }
        guard radius <= layout.maximumRadius else { return scan(needles, radius: radius) }
        precondition(needles.count <= Int(UInt16.max), "PDQIndex.Snapshot.search passes needles in chunks")
        // Scratch space, grown as needed and reused from slot to slot: plain memory, so the
        // phases' loops are loads and stores only (arrays would check uniqueness on every write).
        var probes = Scratch<Probe>(), firsts = Scratch<UInt8>()
        var candidates = Scratch<Candidate>(), distances = Scratch<UInt16>()
        defer { probes.free(); firsts.free(); candidates.free(); distances.free() }
        let stored = hashes.buffer
        for slot in 0..<layout.slotCount {
            let flips = layout.flips(radius: radius, slot: slot)
            guard flips >= 0 else { continue }
            let table = slots[slot]
            let offsets = table.offsets.buffer, residuals = table.residuals.buffer, positions = table.positions.buffer
            let directoryBits = layout.directoryBits[slot]
            let directoryShift = UInt32(layout.width[slot] - directoryBits)
            let residualShift = directoryShift - UInt32(layout.residualBits(slot: slot))
            let residualMask = (UInt32(1) << UInt32(layout.residualBits(slot: slot))) - 1
            let probeCount = needles.count * SlotLayout.neighbourCount(width: directoryBits, flips: flips)
            let probe = probes.reserve(probeCount), first = firsts.reserve(probeCount)
            var k = 0
            for (n, needle) in needles.enumerated() {
                let key = layout.key(needle, slot: slot)
                let target = UInt8(truncatingIfNeeded: (key >> residualShift) & residualMask)
                SlotLayout.forEachNeighbour(of: key >> directoryShift, width: directoryBits, flips: flips) { d, used in
                    precondition(k < probeCount, "neighbourCount counts every probe")
                    probe[k] = Probe(bucket: d, start: 0, end: 0, spare: UInt8(flips - used), needle: UInt16(n), target: target)
                    k += 1
                }
            }
            precondition(k == probeCount, "neighbourCount counts every probe")
            // Phase 1: every directory entry (independent loads).
            for k in 0..<probeCount {
                let d = Int(probe[k].bucket)
                probe[k].start = offsets[d]
                probe[k].end = offsets[d + 1]
            }
            // Phase 2: the first residual of every run (independent loads).
            for k in 0..<probeCount where probe[k].start < probe[k].end {
                first[k] = residuals[Int(probe[k].start)]
            }
            // Phase 3: the runs, now in cache, give the candidates.
            // About one candidate a probe (the layout's aim); more grow the space as they come.
            var candidate = candidates.reserve(probeCount)
            var candidateCount = 0
            for k in 0..<probeCount where probe[k].start < probe[k].end {
                let start = Int(probe[k].start), end = Int(probe[k].end), target = probe[k].target
                let needle = probe[k].needle
                if probe[k].spare == 0 {
                    // Sorted: a run that starts above the target cannot hold it.
                    guard first[k] <= target else { continue }
                    var lo = start, hi = end
                    if end - start <= 32 {
                        // A short run sits in one or two cache lines: a forward scan beats a
                        // binary search's unpredictable branches.
                        while lo < end && residuals[lo] < target { lo += 1 }
                        hi = lo
                    }
                    while lo < hi {
                        let mid = (lo + hi) >> 1
                        if residuals[mid] < target { lo = mid + 1 } else { hi = mid }
                    }
                    while lo < end && residuals[lo] == target {
                        if candidateCount == candidates.capacity { candidate = candidates.grow(keeping: candidateCount) }
                        candidate[candidateCount] = Candidate(index: UInt32(lo), needle: needle)
                        candidateCount += 1
                        lo += 1
                    }
                } else {
                    let spare = Int(probe[k].spare)
                    for index in start..<end where (residuals[index] ^ target).nonzeroBitCount <= spare {
                        if candidateCount == candidates.capacity { candidate = candidates.grow(keeping: candidateCount) }
                        candidate[candidateCount] = Candidate(index: UInt32(index), needle: needle)
                        candidateCount += 1
                    }
                }
            }
            // Phase 4: their positions, then their hashes' distances (independent loads).
            for c in 0..<candidateCount { candidate[c].index = positions[Int(candidate[c].index)] }
            let distance = distances.reserve(candidateCount)
            for c in 0..<candidateCount {
                distance[c] = UInt16(stored[Int(candidate[c].index)].distance(to: needles[Int(candidate[c].needle)]))
            }
            for c in 0..<candidateCount where Int(distance[c]) <= radius {
                collector.record(position: candidate[c].index, distance: Int(distance[c]), needle: Int(candidate[c].needle))
            }
        }
        return payloads.withUnsafeBufferPointer { collector.hits(hashes: stored, payloads: $0) }
    }

    /// One bucket a needle probes in a slot.
    private struct Probe {
        var bucket: UInt32
        var start: UInt32
        var end: UInt32
        /// Flips left for the bits below the directory's.
        var spare: UInt8
        var needle: UInt16
        /// The needle's residual in this slot.
        var target: UInt8
    }

    /// A run entry to check: its index in the slot's table, then its position in `hashes`.
    private struct Candidate {
        var index: UInt32
        var needle: UInt16
    }

    /// Uninitialised memory for plain values, grown on demand; freed by its owner.
    private struct Scratch<Element: BitwiseCopyable> {
        private var base: UnsafeMutablePointer<Element>?
        private(set) var capacity = 0

        /// Room for `count` elements; earlier contents are not kept.
        mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Element> {
            if let base, count <= capacity { return base }
            base?.deallocate()
            capacity = max(count, capacity * 2, 64)
            let fresh = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
            base = fresh
            return fresh
        }

        /// Twice the room, keeping the first `count` elements.
        mutating func grow(keeping count: Int) -> UnsafeMutablePointer<Element> {
            let fresh = UnsafeMutablePointer<Element>.allocate(capacity: max(capacity * 2, 64))
            if let base { fresh.initialize(from: base, count: count); base.deallocate() }
            capacity = max(capacity * 2, 64)
            base = fresh
            return fresh
        }

        func free() { base?.deallocate() }
    }

    /// Linear scan of this segment, for radii beyond multi-index hashing.
    func scan(_ needles: [PDQHash], radius: Int) -> [PDQHit] {
        payloads.withUnsafeBufferPointer { FlatSegment.search(hashes.buffer, payloads: $0, needles, radius: radius) }
    }
}
