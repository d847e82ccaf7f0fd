public import Foundation
import Synchronization

/// The guard against overzealous entries: an entry that matches more distinct images than
/// `limit` within `window` (a hash so generic it matches everything, a list's mistake) is reported
/// once, to be quarantined. Counting is in this process, a lock and a set insert per match, so
/// lookups are not slowed; each replica counts what it answers, and the quarantine it triggers is
/// stored and applies on every replica.
public final class FloodGuard: Sendable {
    /// Distinct images an entry may match within the window (0: the guard is off).
    public let limit: Int
    public let window: TimeInterval

    private struct State {
        /// Per entry: each distinct image it matched, with when it last did.
        var seen: [Int64: [String: Date]] = [:]
        /// Entries reported, and when: each is reported once a window (a curator who restored
        /// one has that long before this replica counts it again).
        var reported: [Int64: Date] = [:]
    }
    private let state = Mutex(State())

    public init(limit: Int, window: TimeInterval = 3600) {
        self.limit = limit
        self.window = window
    }

    /// The limit for an entry of `bank`: the bank's own, or the setting.
    public func limit(for bank: Bank) -> Int { bank.guards.floodLimitPerHour ?? limit }

    /// Counts one lookup's matches of an image (`image`: its SHA-256, or its PDQ for a hash
    /// lookup); returns the entries that just went over the limit.
    public func observe(entryIDs: [Int64], image: String, at time: Date) -> [Int64] {
        observe(entries: entryIDs.map { ($0, limit) }, image: image, at: time)
    }

    /// Counts one lookup's matches, each entry with its own limit (its bank's; 0: not guarded).
    public func observe(entries: [(id: Int64, limit: Int)], image: String, at time: Date) -> [Int64] {
        let guarded = entries.filter { $0.limit > 0 }
        guard !guarded.isEmpty else { return [] }
        return state.withLock { state in
            var over: [Int64] = []
            for (id, limit) in guarded {
                if let at = state.reported[id] {
                    guard time.timeIntervalSince(at) > window else { continue }
                    state.reported[id] = nil
                }
                var images = state.seen[id, default: [:]]
                images[image] = time
                if images.count > limit {
                    // Only those within the window count; the older ones leave.
                    let since = time.addingTimeInterval(-window)
                    images = images.filter { $0.value >= since }
                }
                if images.count > limit {
                    state.reported[id] = time
                    state.seen[id] = nil
                    over.append(id)
                } else {
                    state.seen[id] = images
                }
            }
            return over
        }
    }

    /// A restored entry is counted afresh.
    public func forget(entryID: Int64) {
        state.withLock { state in
            state.reported[entryID] = nil
            state.seen[entryID] = nil
        }
    }
}
