import Synchronization

/// Exact lookups of digest signals (MD5, SHA-256) to payloads, with the same read/write contract
/// as `PDQIndex`: readers use immutable snapshots; a write swaps in the next one whole. Recent
/// writes live in a small delta that is folded into the base when it reaches an eighth of it, so a
/// write copies O(delta), not the whole map.
///
/// It holds a set of (key, payload) pairs, as `PDQIndex` does: inserting a stored pair or removing
/// one never stored changes nothing (a follower replays removes of entries it never loaded), so
/// its count is what lookups can return.
public final class ExactIndex<Key: Hashable & Sendable>: Sendable {
    private let current = Mutex(Snapshot(base: [:], delta: [:], removed: RemovalSet()))
    private let writer = Mutex(())

    public init() {}

    public var snapshot: Snapshot { current.withLock { $0 } }

    public func load(_ keys: [Key], payloads: [UInt64]) {
        writer.withLock { _ in
            var base: [Key: [UInt64]] = [:]
            base.reserveCapacity(keys.count)
            for (key, payload) in zip(keys, payloads) where !(base[key]?.contains(payload) ?? false) {
                base[key, default: []].append(payload)
            }
            publish(Snapshot(base: base, delta: [:], removed: RemovalSet()))
        }
    }

    public func insert(_ keys: [Key], payloads: [UInt64]) {
        guard !keys.isEmpty else { return }
        writer.withLock { _ in
            var next = snapshot
            for (key, payload) in zip(keys, payloads) {
                // A removed pair is still held in the base or the delta: forgetting its removal
                // brings it back.
                guard next.removed.remove(Pair(key: key, payload: payload)) == nil, !next.holds(key, payload) else { continue }
                next.delta[key, default: []].append(payload)
            }
            if next.delta.count > max(1024, next.base.count / 8) { next.fold() }
            publish(next)
        }
    }

    public func remove(_ keys: [Key], payloads: [UInt64]) {
        guard !keys.isEmpty else { return }
        writer.withLock { _ in
            var next = snapshot
            // Only pairs held (a pair removed already is kept once by the set itself).
            next.removed.insert(zip(keys, payloads).map { Pair(key: $0, payload: $1) }.filter { next.holds($0.key, $0.payload) })
            // A quarter removed (a bank deleted): folded into the base, whose memory they give back.
            if next.removed.count * 4 > next.base.count + next.delta.count { next.fold() }
            publish(next)
        }
    }

    /// Removes every pair whose payload `dropped` names (a bank deleted), found by one scan of the
    /// map. A few are removals as `remove`'s are; past a quarter of the pairs held the map is
    /// rebuilt without them (and without the pairs removed before) in one pass.
    public func removeAll(where dropped: (UInt64) -> Bool) {
        writer.withLock { _ in
            let current = snapshot
            // The pairs it names that are not removed already (counted, not gathered: a large
            // drop rebuilds the map and needs no list of millions).
            func named(_ key: Key, _ payload: UInt64) -> Bool {
                dropped(payload) && (current.removed.isEmpty || !current.removed.contains(Pair(key: key, payload: payload)))
            }
            var found = 0, held = 0
            for map in [current.base, current.delta] {
                for (key, payloads) in map {
                    held += payloads.count
                    for payload in payloads where named(key, payload) { found += 1 }
                }
            }
            guard found > 0 else { return }
            var next = current
            if (current.removed.count + found) * 4 > held {
                // Built beside the readers' map, not copied from it and then filtered.
                var base: [Key: [UInt64]] = [:]
                base.reserveCapacity(current.base.count)
                for map in [current.base, current.delta] {
                    for (key, payloads) in map {
                        let kept = payloads.filter { !dropped($0) && (current.removed.isEmpty || !current.removed.contains(Pair(key: key, payload: $0))) }
                        if !kept.isEmpty { base[key, default: []].append(contentsOf: kept) }
                    }
                }
                next = Snapshot(base: base, delta: [:], removed: RemovalSet())
            } else {
                var pairs: [Pair] = []
                pairs.reserveCapacity(found)
                for map in [current.base, current.delta] {
                    for (key, payloads) in map { for payload in payloads where named(key, payload) { pairs.append(Pair(key: key, payload: payload)) } }
                }
                next.removed.insert(pairs)
            }
            publish(next)
        }
    }

    private func publish(_ snapshot: Snapshot) { current.withLock { $0 = snapshot } }

    struct Pair: Hashable, Sendable {
        let key: Key
        let payload: UInt64
    }

    public struct Snapshot: Sendable {
        var base: [Key: [UInt64]]
        var delta: [Key: [UInt64]]
        /// Pairs held in the base or the delta that are removed (never a pair not held).
        var removed: RemovalSet<Pair>

        /// Whether the base or the delta holds the pair (removed or not).
        func holds(_ key: Key, _ payload: UInt64) -> Bool {
            (base[key]?.contains(payload) ?? false) || (delta[key]?.contains(payload) ?? false)
        }

        /// Payloads stored under `key` (each pair is held once).
        public func lookup(_ key: Key) -> [UInt64] {
            ((base[key] ?? []) + (delta[key] ?? [])).filter { !removed.contains(Pair(key: key, payload: $0)) }
        }

        public var count: Int {
            base.values.reduce(0) { $0 + $1.count } + delta.values.reduce(0) { $0 + $1.count } - removed.count
        }

        mutating func fold() {
            for (key, payloads) in delta { base[key, default: []].append(contentsOf: payloads) }
            removed.forEach { pair in base[pair.key]?.removeAll { $0 == pair.payload } }
            base = base.filter { !$0.value.isEmpty }
            delta = [:]
            removed = RemovalSet()
        }
    }
}
