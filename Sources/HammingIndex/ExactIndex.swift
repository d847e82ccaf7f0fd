import Synchronization

/// Exact lookups of digest signals (MD5, SHA-256) to payloads, with the same read/write contract
/// as `PDQIndex`: readers use immutable snapshots; a write swaps in the next one whole. Recent
/// writes live in a small delta that is folded into the base when it reaches an eighth of it, so a
/// write copies O(delta), not the whole map.
public final class ExactIndex<Key: Hashable & Sendable>: Sendable {
    private let current = Mutex(Snapshot(base: [:], delta: [:], removed: []))
    private let writer = Mutex(())

    public init() {}

    public var snapshot: Snapshot { current.withLock { $0 } }

    public func load(_ keys: [Key], payloads: [UInt64]) {
        writer.withLock { _ in
            var base: [Key: [UInt64]] = [:]
            base.reserveCapacity(keys.count)
            for (key, payload) in zip(keys, payloads) { base[key, default: []].append(payload) }
            publish(Snapshot(base: base, delta: [:], removed: []))
        }
    }

    public func insert(_ keys: [Key], payloads: [UInt64]) {
        guard !keys.isEmpty else { return }
        writer.withLock { _ in
            var next = snapshot
            for (key, payload) in zip(keys, payloads) {
                let pair = Pair(key: key, payload: payload)
                if next.removed.remove(pair) == nil || !(next.base[key]?.contains(payload) ?? false) {
                    next.delta[key, default: []].append(payload)
                }
            }
            if next.delta.count > max(1024, next.base.count / 8) { next.fold() }
            publish(next)
        }
    }

    public func remove(_ keys: [Key], payloads: [UInt64]) {
        guard !keys.isEmpty else { return }
        writer.withLock { _ in
            var next = snapshot
            for (key, payload) in zip(keys, payloads) { next.removed.insert(Pair(key: key, payload: payload)) }
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
        var removed: Set<Pair>

        /// Payloads stored under `key`, each once.
        public func lookup(_ key: Key) -> [UInt64] {
            var seen = Set<UInt64>()
            return ((base[key] ?? []) + (delta[key] ?? [])).filter {
                !removed.contains(Pair(key: key, payload: $0)) && seen.insert($0).inserted
            }
        }

        public var count: Int {
            base.values.reduce(0) { $0 + $1.count } + delta.values.reduce(0) { $0 + $1.count } - removed.count
        }

        mutating func fold() {
            for (key, payloads) in delta { base[key, default: []].append(contentsOf: payloads) }
            for pair in removed { base[pair.key]?.removeAll { $0 == pair.payload } }
            base = base.filter { !$0.value.isEmpty }
            delta = [:]
            removed = []
        }
    }
}
