public import Foundation

/// The database readings of `/metrics`, the queue's and the evidence's (a scan each) read at most
/// once per `maxAge` however often, and however many at once, it is scraped: the metrics
/// permission does not turn into database load. Scrapes in the same window share one read (a read
/// still running included); a failed read is not kept, so the next scrape tries again and says
/// what it finds. The oldest unapplied change is one indexed row and is read at every scrape, so
/// the lag is never stale.
public actor ThrottledReadings: OperationalReadings {
    private struct Entry {
        let task: Task<any Sendable, any Error>
        let started: ContinuousClock.Instant
    }

    private let base: any OperationalReadings
    private let maxAge: Duration
    private var entries: [String: Entry] = [:]

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

    public func oldestChange(after applied: Int64) async throws -> Date? {
        try await base.oldestChange(after: applied)
    }

    private struct EvidenceTotals: Sendable { let files: Int64, bytes: Int64 }

    private func read<Value: Sendable>(_ key: String, _ body: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        let entry: Entry
        if let kept = entries[key], now - kept.started < maxAge {
            entry = kept
        } else {
            entry = Entry(task: Task<any Sendable, any Error> { try await body() }, started: now)
            entries[key] = entry
        }
        do {
            guard let value = try await entry.task.value as? Value else {
                throw ReadingTypeMismatch(key: key)
            }
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
