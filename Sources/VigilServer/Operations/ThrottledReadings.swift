public import Foundation

/// The database readings of `/metrics`, the queue's and the evidence's (a scan each), read at most
/// once per `maxAge` however often, and however many at once, it is scraped: the metrics
/// permission does not turn into database load. A read still running is shared by every scrape
/// that comes meanwhile, however long it takes (a slow or hung database gets one read, not one per
/// scrape; the scrapes wait on it, as each waited on its own read before); a finished one is reused until `maxAge` after it finished (the queue's oldest-due ages
/// are then as of that read). A failed read is not kept, so the next scrape tries again and says
/// what it finds. The oldest unapplied change is one indexed row and is read at every scrape, so
/// the lag is never stale.
public actor ThrottledReadings: OperationalReadings {
    private struct Entry {
        let task: Task<any Sendable, any Error>
        var finished: ContinuousClock.Instant?
    }

    private let base: any OperationalReadings
    private let maxAge: Duration
    private var entries: [String: Entry] = [:]
    /// Scrapes waiting on each reading now (for tests: whether a second scrape joined the first).
    private var waiting: [String: Int] = [:]

    public init(_ base: any OperationalReadings, maxAge: Duration) {
        self.base = base
        self.maxAge = maxAge
    }

    public func jobQueue(now: Date) async throws -> [JobQueueReading] {
        try await read("queue") { [base] in try await base.jobQueue(now: now) }
    }

    public func evidence() async throws -> (files: Int64, bytes: Int64) {
        let pair: EvidenceTotals = try await read("evidence") { [base] in
            let totals = try await base.evidence()
            return EvidenceTotals(files: totals.files, bytes: totals.bytes)
        }
        return (pair.files, pair.bytes)
    }

    public nonisolated func oldestChange(after applied: Int64) async throws -> Date? {
        try await base.oldestChange(after: applied)
    }

    /// How many scrapes wait on the reading `key` ("queue", "evidence") now.
    package func waiters(_ key: String) -> Int { waiting[key] ?? 0 }

    private struct EvidenceTotals: Sendable { let files: Int64, bytes: Int64 }

    private func read<Value: Sendable>(_ key: String, _ body: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        let entry: Entry
        if let kept = entries[key], kept.finished.map({ now - $0 < maxAge }) ?? true {
            entry = kept
        } else {
            // Unstructured: the read outlives a scrape that gives up, for the others waiting on it.
            entry = Entry(task: Task<any Sendable, any Error> { try await body() })
            entries[key] = entry
        }
        waiting[key, default: 0] += 1
        defer { waiting[key, default: 1] -= 1 }
        do {
            let value = try await entry.task.value
            if entries[key]?.task == entry.task, entries[key]?.finished == nil { entries[key]?.finished = ContinuousClock.now }
            guard let value = value as? Value else { throw ReadingTypeMismatch(key: key) }
            return value
        } catch {
            if entries[key]?.task == entry.task { entries[key] = nil }
            throw error
        }
    }

    private struct ReadingTypeMismatch: Error, CustomStringConvertible {
        let key: String
        var description: String { "the cached metrics reading \(key) has another type" }
    }
}
