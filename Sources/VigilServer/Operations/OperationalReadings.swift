public import Foundation

/// What `/metrics` reads from the database at each scrape: the queue, the evidence kept, and how
/// old the oldest change is that this process has not applied yet.
public protocol OperationalReadings: Sendable {
    /// Every job kind this process runs, with none left out for having no jobs.
    func jobQueue(now: Date) async throws -> [JobQueueReading]
    /// Evidence held (not purged): files and their original bytes.
    func evidence() async throws -> (files: Int64, bytes: Int64)
    /// When the oldest change after `applied` was written, nil when there is none.
    func oldestChange(after applied: Int64) async throws -> Date?
}

public struct JobQueueReading: Sendable, Equatable {
    public var kind: String
    /// Waiting to run, due now or later (a scheduled sync, a retry's backoff).
    public var queued: Int64
    public var running: Int64
    /// Queued and due: how long the oldest of them has been due (0 when none is).
    public var oldestDueSeconds: Double

    public init(kind: String, queued: Int64, running: Int64, oldestDueSeconds: Double) {
        self.kind = kind
        self.queued = queued
        self.running = running
        self.oldestDueSeconds = oldestDueSeconds
    }
}
