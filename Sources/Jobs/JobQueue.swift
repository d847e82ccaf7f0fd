public import Foundation

/// How the rest of a process puts work on the queue: enqueued jobs ring this process's workers
/// at once; other processes' workers find them at their next poll.
public struct JobQueue: Sendable {
    let store: any JobStore
    public let doorbell: Doorbell
    let clock: @Sendable () -> Date

    public init(store: any JobStore, doorbell: Doorbell = Doorbell(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.doorbell = doorbell
        self.clock = clock
    }

    public func enqueue(_ job: NewJob) async throws -> Job {
        let created = try await store.enqueue(job, at: clock())
        doorbell.ring()
        return created
    }

    public func job(id: Int64) async throws -> Job {
        guard let job = try await store.job(id: id) else { throw JobError.notFound(id) }
        return job
    }

    public func list(kinds: [String]? = nil, states: [JobState]? = nil, limit: Int = 100) async throws -> [Job] {
        try await store.jobs(kinds: kinds, states: states, limit: limit)
    }

    /// Jobs of any kind that failed at or after `since`, newest first.
    public func failed(since: Date, limit: Int = 20) async throws -> [Job] {
        try await store.failedJobs(since: since, limit: limit)
    }

    /// Cancels a queued job at once and asks a running one to stop at its next step.
    public func cancel(id: Int64) async throws -> Job {
        guard let job = try await store.requestCancel(id: id, now: clock()) else { throw JobError.notFound(id) }
        return job
    }
}
