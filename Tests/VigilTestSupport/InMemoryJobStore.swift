public import Foundation
public import Jobs
import Synchronization

/// The job queue's storage port in memory, with the SQL stores' rules (a claim takes the first
/// due job, or one whose lease lapsed, and draws a new token; every write checks the token), so a
/// rule of the worker is tested in milliseconds.
public final class InMemoryJobStore: JobStore, Sendable {
    private let jobs = Mutex<[Int64: Job]>([:])
    private let nextToken = Atomic<Int>(0)

    public init() {}

    public func enqueue(_ new: NewJob, at time: Date) async throws -> Job {
        jobs.withLock { jobs in
            let id = (jobs.keys.max() ?? 0) + 1
            var job = Job(id: id, kind: new.kind, payload: new.payload, state: .queued, attempts: 0, maxAttempts: new.maxAttempts,
                          runAfter: new.runAfter, leaseOwner: nil, leaseUntil: nil, affinity: new.affinity, progress: nil, result: nil,
                          error: nil, cancelRequested: false, createdAt: time, updatedAt: time, finishedAt: nil)
            job.traceContext = new.traceContext
            jobs[id] = job
            return job
        }
    }

    public func job(id: Int64) async throws -> Job? { jobs.withLock { $0[id] } }

    public func jobs(kinds: [String]?, states: [JobState]?, limit: Int) async throws -> [Job] {
        jobs.withLock { jobs in
            Array(jobs.values.filter { job in (kinds?.contains(job.kind) ?? true) && (states?.contains(job.state) ?? true) }
                .sorted { $0.id > $1.id }.prefix(limit))
        }
    }

    public func claim(kinds: [String], owner: String, affinity: String?, leaseUntil: Date, now: Date) async throws -> Job? {
        let token = "t\(nextToken.add(1, ordering: .relaxed).newValue)"
        return jobs.withLock { jobs in
            let due = jobs.values.filter { job in
                kinds.contains(job.kind) && (job.affinity == nil || job.affinity == affinity)
                    && ((job.state == .queued && job.runAfter <= now) || (job.state == .running && (job.leaseUntil ?? now) < now))
            }.sorted { ($0.runAfter, $0.id) < ($1.runAfter, $1.id) }
            guard var job = due.first else { return nil }
            let interrupted = job.state == .running
            job.state = .running
            job.attempts += 1
            job.leaseOwner = owner
            job.leaseUntil = leaseUntil
            job.leaseToken = token
            if interrupted { job.interruptions += 1 }
            job.updatedAt = now
            jobs[job.id] = job
            job.wasInterrupted = interrupted
            return job
        }
    }

    /// The job as `lease` holds it, or `leaseLost`.
    private func held(_ lease: JobLease, _ jobs: [Int64: Job]) throws -> Job {
        guard let job = jobs[lease.jobID], job.leaseToken == lease.token, job.state == .running else { throw JobError.leaseLost(lease.jobID) }
        return job
    }

    public func heartbeat(_ lease: JobLease, leaseUntil: Date, progress: String?, now: Date) async throws -> Bool {
        try jobs.withLock { jobs in
            var job = try held(lease, jobs)
            job.leaseUntil = leaseUntil
            job.progress = progress ?? job.progress
            jobs[job.id] = job
            return job.cancelRequested
        }
    }

    public func finish(_ lease: JobLease, outcome: JobOutcome, progress: String?, now: Date) async throws {
        try jobs.withLock { jobs in
            var job = try held(lease, jobs)
            switch outcome {
            // As the SQL store writes them: result and error both, every time.
            case let .succeeded(result): (job.state, job.result, job.error, job.finishedAt) = (.succeeded, result, nil, now)
            case let .failed(error): (job.state, job.result, job.error, job.finishedAt) = (.failed, nil, error, now)
            case let .retry(error, at): (job.state, job.result, job.error, job.runAfter) = (.queued, nil, error, at)
            case .cancelled: (job.state, job.result, job.error, job.finishedAt) = (.cancelled, nil, nil, now)
            }
            job.progress = progress ?? job.progress
            (job.leaseOwner, job.leaseUntil, job.leaseToken, job.updatedAt) = (nil, nil, nil, now)
            jobs[job.id] = job
        }
    }

    public func release(_ lease: JobLease, progress: String?, now: Date) async throws {
        try jobs.withLock { jobs in
            var job = try held(lease, jobs)
            (job.state, job.runAfter, job.progress) = (.queued, now, progress ?? job.progress)
            (job.leaseOwner, job.leaseUntil, job.leaseToken, job.updatedAt) = (nil, nil, nil, now)
            jobs[job.id] = job
        }
    }

    public func failedJobs(since: Date, limit: Int) async throws -> [Job] {
        jobs.withLock { jobs in
            Array(jobs.values.filter { $0.state == .failed && ($0.finishedAt ?? .distantPast) >= since }.sorted { ($0.finishedAt ?? .distantPast, $0.id) > ($1.finishedAt ?? .distantPast, $1.id) }.prefix(max(1, min(limit, 1000))))
        }
    }

    public func requestCancel(id: Int64, now: Date) async throws -> Job? {
        jobs.withLock { jobs in
            guard var job = jobs[id] else { return nil }
            if job.state == .queued { (job.state, job.finishedAt) = (.cancelled, now) }
            if job.state == .running { job.cancelRequested = true }
            job.updatedAt = now
            jobs[id] = job
            return job
        }
    }

    /// A lapse of the job's lease, as when its process died.
    public func expireLease(of id: Int64) {
        jobs.withLock { $0[id]?.leaseUntil = .distantPast }
    }
}
