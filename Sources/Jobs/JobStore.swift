import Basics
public import Foundation

/// The queue's storage port. Claims are atomic: two workers (in one process or many) never hold
/// the same job, because a claim takes it in the same statement that finds it.
public protocol JobStore: Sendable {
    func enqueue(_ job: NewJob, at time: Date) async throws -> Job
    func job(id: Int64) async throws -> Job?
    /// Jobs of these kinds, newest first.
    func jobs(kinds: [String]?, states: [JobState]?, limit: Int) async throws -> [Job]

    /// Takes the oldest claimable job of these kinds: queued and due, or running with a lease that
    /// has expired (counted as a new attempt and an interruption). Only jobs with no affinity or
    /// with `affinity`. Every claim draws a new lease token.
    func claim(kinds: [String], owner: String, affinity: String?, leaseUntil: Date, now: Date) async throws -> Job?

    /// Renews the lease and records progress; throws `leaseLost` when the lease is no longer held.
    /// Returns whether cancellation was requested.
    func heartbeat(_ lease: JobLease, leaseUntil: Date, progress: String?, now: Date) async throws -> Bool

    /// Finishes a held job: succeeded with a result, failed with an error, or back to queued for a
    /// retry at `retryAt`. Throws `leaseLost` when the lease is no longer held.
    func finish(_ lease: JobLease, outcome: JobOutcome, progress: String?, now: Date) async throws

    /// Gives a held job back to the queue at once, as it is (its worker is shutting down): the
    /// next claim, here or on another replica, resumes it without waiting for the lease to lapse.
    func release(_ lease: JobLease, progress: String?, now: Date) async throws

    /// Jobs of any kind that failed at or after `since`, newest first.
    func failedJobs(since: Date, limit: Int) async throws -> [Job]

    /// Asks a job to stop: a queued one is cancelled at once, a running one at its next heartbeat.
    func requestCancel(id: Int64, now: Date) async throws -> Job?
}

public enum JobOutcome: Sendable, Equatable, CustomStringConvertible {
    case succeeded(result: String?)
    case failed(error: String)
    case retry(error: String, at: Date)
    case cancelled

    /// What a log line says: the outcome's name, then its result or error.
    public var description: String {
        switch self {
        case let .succeeded(result): result.map { "succeeded: \($0)" } ?? "succeeded"
        case let .failed(error): "failed: \(error)"
        case let .retry(error, at): "retry at \(Timestamp.iso8601(at)): \(error)"
        case .cancelled: "cancelled"
        }
    }

    /// `succeeded`, `failed`, `retry` or `cancelled` (a metric's label).
    public var name: String {
        switch self {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .retry: "retry"
        case .cancelled: "cancelled"
        }
    }
}
