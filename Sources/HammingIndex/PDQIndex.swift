public import PDQ
import Synchronization

/// An exact PDQ range index (distance ≤ radius, recall 100%), updated incrementally.
///
/// Reads take an immutable `Snapshot` and never wait for writers; a write builds the next snapshot
/// and swaps it in whole, so a reader sees a batch entirely or not at all. Storage is log
/// structured: new hashes land in a small flat segment; full flat segments become multi-index
/// segments, and segments of similar size are merged (like a binary counter), so each hash is
/// re-indexed O(log N) times in all — the index is never rebuilt for a change. Removals are
/// tombstones until a merge drops the hashes they name, or, once a quarter of what is stored is
/// removed (a bank deleted), until the segments holding them are rewritten without them.
public final class PDQIndex: Sendable {
    /// Flat segments up to this size; beyond it a segment gets multi-index tables.
    public static let flatLimit = 4096

    private let current: Mutex<Snapshot>
    private let writer = Mutex(())

    public init() {
        current = Mutex(Snapshot(segments: [], tombstones: RemovalSet(), highestPayload: nil))
    }

    /// The index as of now. Cheap: it shares storage with the index.
    public var snapshot: Snapshot { current.withLock { $0 } }

    /// Replaces everything with `entries`, indexed in one segment (start-up load). The pairs must be
    /// distinct (rows of a table keyed by payload are).
    public func load(_ hashes: [PDQHash], payloads: [UInt64]) {
        writer.withLock { _ in
            let segment = Segment.make(hashes: hashes, payloads: payloads)
            publish(Snapshot(segments: segment.map { [$0] } ?? [], tombstones: RemovalSet(), highestPayload: payloads.max()))
        }
    }

    /// Adds (hash, payload) pairs in one atomic step. The index is a set of pairs: a pair already
    /// in it is not stored again.
    public func insert(_ hashes: [PDQHash], payloads: [UInt64]) {
        precondition(hashes.count == payloads.count)
        guard !hashes.isEmpty else { return }
        writer.withLock { _ in
            var next = snapshot
            // Distinct payloads make distinct pairs; only a batch whose payloads do not strictly
            // grow can hold one pair twice.
            let distinct = zip(payloads, payloads.dropFirst()).allSatisfy { $0 < $1 }
            var seen = Set<Tombstone>()
            var fresh: [Tombstone] = [], maybeStored: [Tombstone] = []
            for (hash, payload) in zip(hashes, payloads) {
                let pair = Tombstone(payload: payload, hash: hash)
                if !distinct, !seen.insert(pair).inserted { continue }
                // A removed pair that comes back is revived where it lies (a tombstone always
                // names a stored pair), so each pair is stored once.
                if !next.tombstones.isEmpty, next.tombstones.remove(pair) != nil { continue }
                // A payload above every one stored cannot be stored: new entries (their ids only
                // grow, and are the payload's high bits) skip the exact search.
                if let highest = next.highestPayload, payload <= highest { maybeStored.append(pair) } else { fresh.append(pair) }
            }
            let stored = next.stored(among: maybeStored)
            var newHashes = fresh.map(\.hash), newPayloads = fresh.map(\.payload)
            for pair in maybeStored where !stored.contains(pair) {
                newHashes.append(pair.hash)
                newPayloads.append(pair.payload)
            }
            guard !newHashes.isEmpty else { return publish(next) }
            next.highestPayload = max(next.highestPayload ?? 0, newPayloads.max() ?? 0)
            if case let .flat(last)? = next.segments.last, last.count + newHashes.count <= Self.flatLimit * 2 {
                next.segments.removeLast()
                newHashes = last.hashes + newHashes
                newPayloads = last.payloads + newPayloads
            }
            next.segments.append(Segment.make(hashes: newHashes, payloads: newPayloads)!)
            next.compact()
            publish(next)
        }
    }

    /// Removes (hash, payload) pairs in one atomic step; a pair not in the index is ignored (a
    /// tombstone for it would hide the pair when it is inserted later).
    public func remove(_ hashes: [PDQHash], payloads: [UInt64]) {
        precondition(hashes.count == payloads.count)
        guard !hashes.isEmpty else { return }
        writer.withLock { _ in
            var next = snapshot
            guard let highest = next.highestPayload else { return }  // nothing was ever stored
            // A payload above every one stored cannot be stored; a tombstoned pair is removed already.
            let pairs = zip(hashes, payloads).map { Tombstone(payload: $1, hash: $0) }
                .filter { $0.payload <= highest && !next.tombstones.contains($0) }
            next.tombstones.insert(next.stored(among: pairs))
            // Searches would keep visiting the removed pairs and their memory would stay held
            // until merges reach them, which for a large loaded segment is never.
            if next.tombstones.count * 4 > next.storedCount { next.purge() }
            publish(next)
        }
    }

    /// Removes every pair whose payload `dropped` names (a bank deleted), found by one scan of
    /// the payloads instead of a search for each pair. As with `remove`, a few are tombstones, and
    /// past a quarter of what is stored the segments holding them are rewritten — then at once,
    /// without a set of millions of tombstones built first.
    public func removeAll(where dropped: (UInt64) -> Bool) {
        writer.withLock { _ in
            var next = snapshot
            // The pairs it names that are not removed already.
            var found = 0
            for segment in next.segments {
                let payloads = segment.payloads
                guard payloads.contains(where: dropped) else { continue }
                if next.tombstones.isEmpty {
                    for payload in payloads where dropped(payload) { found += 1 }
                } else {
                    segment.withHashes { hashes in
                        for (hash, payload) in zip(hashes, payloads) where dropped(payload) && !next.tombstones.contains(Tombstone(payload: payload, hash: hash)) {
                            found += 1
                        }
                    }
                }
            }
            guard found > 0 else { return }
            if (next.tombstones.count + found) * 4 > next.storedCount {
                next.purge(dropping: dropped)
            } else {
                var pairs: [Tombstone] = []
                pairs.reserveCapacity(found)
                for segment in next.segments {
                    let payloads = segment.payloads
                    guard payloads.contains(where: dropped) else { continue }
                    segment.withHashes { hashes in
                        for (hash, payload) in zip(hashes, payloads) where dropped(payload) { pairs.append(Tombstone(payload: payload, hash: hash)) }
                    }
                }
                // A pair removed already is kept once by the set itself.
                next.tombstones.insert(pairs)
            }
            publish(next)
        }
    }

    private func publish(_ snapshot: Snapshot) {
        current.withLock { $0 = snapshot }
    }

    /// A removed (payload, hash) pair, ignored by searches until a merge drops it.
    struct Tombstone: Hashable, Sendable {
        let payload: UInt64
        let hash: PDQHash
    }

    enum Segment: Sendable {
        case flat(FlatSegment)
        case multiIndex(MultiIndexSegment)

        static func make(hashes: [PDQHash], payloads: [UInt64]) -> Segment? {
            guard !hashes.isEmpty else { return nil }
            return hashes.count <= PDQIndex.flatLimit
                ? .flat(FlatSegment(hashes: hashes, payloads: payloads))
                : .multiIndex(MultiIndexSegment(hashes: hashes, payloads: payloads))
        }

        var count: Int {
            switch self {
            case let .flat(s): s.count
            case let .multiIndex(s): s.count
            }
        }

        /// The stored hashes, in place (a merge reads them; copying a large segment's would add
        /// 32 bytes a hash to its peak memory).
        func withHashes<R>(_ body: (UnsafeBufferPointer<PDQHash>) -> R) -> R {
            switch self {
            case let .flat(s): s.hashes.withUnsafeBufferPointer(body)
            case let .multiIndex(s): withExtendedLifetime(s.hashes) { body(s.hashes.buffer) }
            }
        }

        var payloads: [UInt64] {
            switch self {
            case let .flat(s): s.payloads
            case let .multiIndex(s): s.payloads
            }
        }

        var byteCount: Int {
            switch self {
            case let .flat(s): s.count * 40
            case let .multiIndex(s): s.byteCount
            }
        }

        func search(_ needles: [PDQHash], radius: Int) -> [PDQHit] {
            switch self {
            case let .flat(s): s.search(needles, radius: radius)
            case let .multiIndex(s): s.search(needles, radius: radius)
            }
        }
    }

    /// An immutable view of the index.
    public struct Snapshot: Sendable {
        var segments: [Segment]
        /// Stored pairs that are removed: each names a pair stored once, in one segment.
        var tombstones: RemovalSet<Tombstone>
        /// The highest payload ever stored, which spares new pairs a presence check.
        var highestPayload: UInt64?

        /// Hashes indexed, not counting removed ones.
        public var count: Int { storedCount - tombstones.count }

        /// Pairs held in the segments, removed or not.
        var storedCount: Int { segments.reduce(0) { $0 + $1.count } }

        /// Bytes held by the index structures.
        public var byteCount: Int { segments.reduce(0) { $0 + $1.byteCount } }

        public var segmentCount: Int { segments.count }

        static let needleChunk = 4096

        /// Every stored hash within `radius` of any needle, once per (payload, hash), with the
        /// closest needle. Exact: the same set a brute-force scan returns.
        public func search(_ needles: [PDQHash], radius: Int) -> [PDQHit] {
            guard !needles.isEmpty, radius >= 0 else { return [] }
            let radius = min(radius, PDQHash.bitCount)
            var best: [Tombstone: PDQHit] = [:]
            // Segments number needles in 16 bits: thousands at a time is plenty.
            for chunkStart in stride(from: 0, to: needles.count, by: Self.needleChunk) {
                let chunk = needles.count <= Self.needleChunk
                    ? needles : Array(needles[chunkStart..<min(needles.count, chunkStart + Self.needleChunk)])
                for segment in segments {
                    for var hit in segment.search(chunk, radius: radius) {
                        hit.needle += chunkStart
                        let key = Tombstone(payload: hit.payload, hash: hit.hash)
                        if tombstones.contains(key) { continue }
                        if let existing = best[key],
                           HitCollector.keeps((existing.distance, existing.needle), over: (hit.distance, hit.needle)) { continue }
                        best[key] = hit
                    }
                }
            }
            return Array(best.values)
        }

        /// Which of `pairs` are stored, removed or not: flat segments are scanned against the
        /// pairs (a few thousand set lookups), the others searched at radius 0, 4096 pairs at a time.
        func stored(among pairs: [Tombstone]) -> Set<Tombstone> {
            guard !pairs.isEmpty else { return [] }
            var found = Set<Tombstone>()
            for chunkStart in stride(from: 0, to: pairs.count, by: Self.needleChunk) {
                let chunk = pairs[chunkStart..<min(pairs.count, chunkStart + Self.needleChunk)]
                let wanted = Set(chunk)
                let needles = Array(Set(chunk.map(\.hash)))
                for segment in segments {
                    switch segment {
                    case let .flat(s):
                        for (hash, payload) in zip(s.hashes, s.payloads) {
                            let pair = Tombstone(payload: payload, hash: hash)
                            if wanted.contains(pair) { found.insert(pair) }
                        }
                    case let .multiIndex(s):
                        for hit in s.search(needles, radius: 0) {
                            let pair = Tombstone(payload: hit.payload, hash: hit.hash)
                            if wanted.contains(pair) { found.insert(pair) }
                        }
                    }
                }
            }
            return found
        }

        /// Rewrites each segment that holds removed pairs (or pairs whose payload `dropped` names)
        /// without them, and forgets the tombstones. A rewrite is a build of what is left (seconds
        /// at 10M): the writer lock, and so the change-log follower, waits for it; readers keep
        /// the snapshot they have.
        mutating func purge(dropping dropped: (UInt64) -> Bool = { _ in false }) {
            let removed = tombstones
            func gone(_ hash: PDQHash, _ payload: UInt64) -> Bool {
                dropped(payload) || (!removed.isEmpty && removed.contains(Tombstone(payload: payload, hash: hash)))
            }
            segments = segments.compactMap { segment in
                let segmentPayloads = segment.payloads
                return segment.withHashes { segmentHashes -> Segment? in
                    let pairs = zip(segmentHashes, segmentPayloads)
                    guard pairs.contains(where: gone) else { return segment }
                    var hashes: [PDQHash] = [], payloads: [UInt64] = []
                    hashes.reserveCapacity(segment.count)
                    payloads.reserveCapacity(segment.count)
                    for (hash, payload) in pairs where !gone(hash, payload) {
                        hashes.append(hash)
                        payloads.append(payload)
                    }
                    return Segment.make(hashes: hashes, payloads: payloads)
                }
            }
            tombstones = RemovalSet()
        }

        /// Merges trailing segments of similar size (binary-counter policy), dropping tombstoned
        /// hashes and their tombstones (each pair is stored in one segment only).
        mutating func compact() {
            while segments.count >= 2 {
                let last = segments[segments.count - 1], previous = segments[segments.count - 2]
                guard last.count > PDQIndex.flatLimit, last.count * 2 >= previous.count else { break }
                segments.removeLast(2)
                var hashes: [PDQHash] = [], payloads: [UInt64] = []
                hashes.reserveCapacity(previous.count + last.count)
                payloads.reserveCapacity(previous.count + last.count)
                for segment in [previous, last] {
                    let segmentPayloads = segment.payloads
                    segment.withHashes { segmentHashes in
                        for (hash, payload) in zip(segmentHashes, segmentPayloads)
                        where tombstones.remove(Tombstone(payload: payload, hash: hash)) == nil {
                            hashes.append(hash)
                            payloads.append(payload)
                        }
                    }
                }
                if let merged = Segment.make(hashes: hashes, payloads: payloads) { segments.append(merged) }
            }
        }
    }
}
