public import Foundation
import Synchronization

/// Lookups and matches counted per hour in this process, and added to storage from time to time:
/// every replica adds its own counts to the same hourly rows, so the dashboard's chart covers
/// the whole deployment. Counting is a lock and two additions, so it stays off the hot path.
public final class LookupTally: Sendable {
    private let pending = Mutex<[Int64: HourCount]>([:])
    let store: any LookupTallyStore

    public init(store: any LookupTallyStore) {
        self.store = store
    }

    public func count(matched: Bool, at time: Date = Date()) {
        let hour = HourCount.hour(of: time)
        pending.withLock { table in
            table[hour, default: HourCount(hour: hour)].lookups += 1
            if matched { table[hour, default: HourCount(hour: hour)].matches += 1 }
        }
    }

    /// Writes what was counted since the last flush. Counts that fail to be written are put back.
    public func flush() async throws {
        let counts = pending.withLock { table in
            let all = Array(table.values)
            table.removeAll()
            return all
        }
        guard !counts.isEmpty else { return }
        do {
            try await store.add(counts)
        } catch {
            pending.withLock { table in
                for count in counts {
                    table[count.hour, default: HourCount(hour: count.hour)].lookups += count.lookups
                    table[count.hour, default: HourCount(hour: count.hour)].matches += count.matches
                }
            }
            throw error
        }
    }

    public func hours(from start: Date, to end: Date) async throws -> [HourCount] {
        try await store.counts(fromHour: HourCount.hour(of: start), toHour: HourCount.hour(of: end))
    }
}

/// Lookups and matches in one hour.
public struct HourCount: Sendable, Hashable {
    /// Hours since 1970 (UTC).
    public var hour: Int64
    public var lookups: Int64
    public var matches: Int64

    public init(hour: Int64, lookups: Int64 = 0, matches: Int64 = 0) {
        self.hour = hour
        self.lookups = lookups
        self.matches = matches
    }

    public static func hour(of time: Date) -> Int64 { Int64((time.timeIntervalSince1970 / 3600).rounded(.down)) }
    public var start: Date { Date(timeIntervalSince1970: TimeInterval(hour) * 3600) }
}

/// The storage port of the tallies: add to an hour's row, read a range of hours.
public protocol LookupTallyStore: Sendable {
    func add(_ counts: [HourCount]) async throws
    func counts(fromHour: Int64, toHour: Int64) async throws -> [HourCount]
}
