import Spans
import Basics
public import Foundation
public import Logging
import Tracing

/// Claims jobs of the kinds it has handlers for and runs them one at a time, renewing the lease
/// while a job runs. Several workers (in one process or many, on one database) share the queue.
/// A job whose worker keeps dying under it is stopped after `maxInterruptions`; a worker that is
/// stopped (SIGTERM) gives its job back to the queue at once.
public final class JobWorker: Sendable {
    let store: any JobStore
    let handlers: [String: any JobHandler]
    public let owner: String
    let affinity: String?
    let lease: Duration
    let idlePoll: Duration
    let clock: @Sendable () -> Date
    let logger: Logger
    /// Told every outcome (the server's metrics count them by kind).
    let observe: @Sendable (_ kind: String, _ outcome: JobOutcome) -> Void

    /// Claims after which a job whose lease keeps lapsing (its process crashed, was killed or
    /// lost the database each time) is failed instead of run again.
    public static let maxInterruptions = 3

    public init(store: any JobStore, handlers: [any JobHandler], owner: String = JobWorker.uniqueOwner(), affinity: String? = nil,
                lease: Duration = .seconds(30), idlePoll: Duration = .seconds(1), clock: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "vigil.jobs"), observe: @escaping @Sendable (String, JobOutcome) -> Void = { _, _ in }) {
        self.store = store
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.owner = owner
        self.affinity = affinity
        self.lease = lease
        self.idlePoll = idlePoll
        self.clock = clock
        self.logger = logger
        self.observe = observe
    }

    /// A worker name unique across processes: host, process id and a random suffix.
    public static func uniqueOwner() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Runs jobs until the task is cancelled; when none is due, waits for the doorbell or `idlePoll`.
    public func run(doorbell: Doorbell = Doorbell()) async {
        while !Task.isCancelled {
            do {
                if try await runNext() { continue }
            } catch {
                logger.error("job queue unavailable", metadata: ["error": .string(String(describing: error).prefix(300).description)])
            }
            await doorbell.wait(timeout: idlePoll)
        }
    }

    /// Claims and runs one due job. Returns false when there was none.
    @discardableResult
    public func runNext(now given: Date? = nil) async throws -> Bool {
        let now = given ?? clock()
        guard !handlers.isEmpty,
              let job = try await store.claim(kinds: Array(handlers.keys), owner: owner, affinity: affinity,
                                              leaseUntil: now.addingTimeInterval(lease.seconds), now: now) else { return false }
        await process(job)
        return true
    }

    private func process(_ job: Job) async {
        guard let handler = handlers[job.kind], let lease = job.lease else { return }
        let context = JobContext(job: job, owner: owner, lease: lease)
        if job.wasInterrupted, job.interruptions > Self.maxInterruptions {
            let reason = "its worker stopped mid-way \(job.interruptions) times (a crash, a kill or a lost database each time); stopped so a person can look"
            await abandon(job, handler, reason: reason, lease: lease, context)
            return
        }
        // A job that was running before this claim lost its worker mid-way.
        if job.wasInterrupted, !handler.safeToRepeat {
            await finish(job, .failed(error: "interrupted after it started; jobs of kind \(job.kind) are not safe to repeat"), context)
            return
        }
        if job.cancelRequested {
            await finish(job, .cancelled, context)
            return
        }
        logger.info("job started", metadata: ["job": .stringConvertible(job.id), "kind": .string(job.kind), "attempt": .stringConvertible(job.attempts)])
        let clock = self.clock
        let outcome: JobOutcome? = await withTaskGroup(of: JobOutcome?.self) { group in
            group.addTask {
                do {
                    // The job's span continues the trace it was queued in (JobTrace).
                    let result = try await TracedSpan.run("job \(job.kind)", context: JobTrace.context(job.traceContext), ofKind: .consumer) { span in
                        span.attributes["vigil.job.id"] = Int(job.id)
                        span.attributes["vigil.job.attempt"] = job.attempts
                        return try await handler.run(job, context: context)
                    }
                    return .succeeded(result: result)
                } catch JobError.cancelled {
                    return .cancelled
                } catch let failure as JobFailure {
                    return .failed(error: failure.description)
                } catch let postponed as JobPostponed {
                    return .retry(error: postponed.reason, at: postponed.until)
                } catch {
                    if context.isCancelled { return .cancelled }
                    // Stopped with its worker (a shutdown): given back below, not counted as a failure.
                    if Task.isCancelled { return nil }
                    if job.attempts >= job.maxAttempts { return .failed(error: String(describing: error)) }
                    return .retry(error: String(describing: error), at: clock().addingTimeInterval(Self.backoff.seconds(after: job.attempts)))
                }
            }
            group.addTask { await self.heartbeats(job, context) }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            // The heartbeat ended first: the lease is gone, or the worker is stopping.
            return await group.next() ?? nil
        }
        if let outcome, !(Task.isCancelled && outcome.isRetry) {
            await finish(job, outcome, context)
        } else if Task.isCancelled {
            await release(job, context)
        } else {
            // The lease was lost: another worker holds the job now; this one writes nothing more.
            logger.warning("job stopped: its lease was lost", metadata: ["job": .stringConvertible(job.id)])
        }
    }

    /// Renews the lease a third of the way through it and stores progress; returns nil (and so
    /// stops the job) when the lease is lost; flags cancellation when it was requested.
    private func heartbeats(_ job: Job, _ context: JobContext) async -> JobOutcome? {
        while !Task.isCancelled {
            try? await Task.sleep(for: lease / 3)
            if Task.isCancelled { break }
            do {
                let progress = handlers[job.kind]?.commitsOwnProgress == true ? nil : context.progress
                let now = clock()
                let cancel = try await store.heartbeat(context.lease, leaseUntil: now.addingTimeInterval(lease.seconds), progress: progress, now: now)
                if cancel { context.markCancelled() }
            } catch JobError.leaseLost {
                logger.warning("job lease lost; stopping it", metadata: ["job": .stringConvertible(job.id)])
                context.markCancelled()
                return nil
            } catch {
                logger.warning("job heartbeat failed", metadata: ["job": .stringConvertible(job.id), "error": .string(String(describing: error))])
            }
        }
        // Never the group's answer when the job finished first: the group cancels this task then.
        return nil
    }

    /// Writes that must land even while this worker is being cancelled run on a task of their
    /// own, which the cancellation does not reach.
    private func uncancelled(_ body: @escaping @Sendable () async throws -> Void) async throws {
        try await Task { try await body() }.value
    }

    private func finish(_ job: Job, _ outcome: JobOutcome, _ context: JobContext) async {
        let progress = handlers[job.kind]?.commitsOwnProgress == true ? nil : context.progress
        let (store, clock) = (self.store, self.clock)
        do {
            try await uncancelled { try await store.finish(context.lease, outcome: outcome, progress: progress, now: clock()) }
            observe(job.kind, outcome)
            logger.info("job finished", metadata: ["job": .stringConvertible(job.id), "outcome": .string("\(outcome)".prefix(200).description)])
        } catch {
            logger.warning("job outcome not recorded", metadata: ["job": .stringConvertible(job.id), "error": .string(String(describing: error))])
        }
    }

    /// Gives the job back to the queue (this worker is stopping): the next claim resumes it at once.
    private func release(_ job: Job, _ context: JobContext) async {
        let progress = handlers[job.kind]?.commitsOwnProgress == true ? nil : context.progress
        let (store, clock) = (self.store, self.clock)
        do {
            try await uncancelled { try await store.release(context.lease, progress: progress, now: clock()) }
            logger.info("job released at shutdown", metadata: ["job": .stringConvertible(job.id), "kind": .string(job.kind)])
        } catch {
            logger.warning("job not released at shutdown; it resumes when its lease lapses",
                           metadata: ["job": .stringConvertible(job.id), "error": .string(String(describing: error))])
        }
    }

    /// Fails a job that keeps dying, and what it owns with it, saying why.
    private func abandon(_ job: Job, _ handler: any JobHandler, reason: String, lease: JobLease, _ context: JobContext) async {
        logger.error("job stopped after repeated interruptions", metadata: ["job": .stringConvertible(job.id), "kind": .string(job.kind),
                                                                            "interruptions": .stringConvertible(job.interruptions)])
        do {
            try await uncancelled { try await handler.abandon(job, reason: reason, lease: lease) }
        } catch {
            logger.error("marking a stopped job's owner failed", metadata: ["job": .stringConvertible(job.id), "error": .string(String(describing: error))])
        }
        await finish(job, .failed(error: reason), context)
    }

    /// From 2 s, doubling, up to 5 minutes between tries, with jitter so that failures at the
    /// same moment do not retry in lockstep.
    static let backoff = Backoff(first: .seconds(2), cap: .seconds(300))
}

extension JobOutcome {
    var isRetry: Bool {
        if case .retry = self { return true }
        return false
    }
}

