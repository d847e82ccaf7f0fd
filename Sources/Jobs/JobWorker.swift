public import Foundation
public import Logging

/// Claims jobs of the kinds it has handlers for and runs them one at a time, renewing the lease
/// while a job runs. Several workers (in one process or many, on one database) share the queue.
public final class JobWorker: Sendable {
    let store: any JobStore
    let handlers: [String: any JobHandler]
    public let owner: String
    let affinity: String?
    let lease: Duration
    let idlePoll: Duration
    let logger: Logger

    public init(store: any JobStore, handlers: [any JobHandler], owner: String = JobWorker.uniqueOwner(), affinity: String? = nil,
                lease: Duration = .seconds(30), idlePoll: Duration = .seconds(1), logger: Logger = Logger(label: "vigil.jobs")) {
        self.store = store
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.owner = owner
        self.affinity = affinity
        self.lease = lease
        self.idlePoll = idlePoll
        self.logger = logger
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
    public func runNext(now: Date = Date()) async throws -> Bool {
        guard !handlers.isEmpty,
              let job = try await store.claim(kinds: Array(handlers.keys), owner: owner, affinity: affinity,
                                              leaseUntil: now.addingTimeInterval(lease.seconds), now: now) else { return false }
        await process(job)
        return true
    }

    private func process(_ job: Job) async {
        guard let handler = handlers[job.kind] else { return }
        let context = JobContext(job: job, owner: owner)
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
        let outcome: JobOutcome = await withTaskGroup(of: JobOutcome?.self) { group in
            group.addTask {
                do {
                    return .succeeded(result: try await handler.run(job, context: context))
                } catch JobError.cancelled {
                    return .cancelled
                } catch let failure as JobFailure {
                    return .failed(error: failure.description)
                } catch let postponed as JobPostponed {
                    return .retry(error: postponed.reason, at: postponed.until)
                } catch {
                    if context.isCancelled { return .cancelled }
                    if job.attempts >= job.maxAttempts { return .failed(error: String(describing: error)) }
                    return .retry(error: String(describing: error), at: Date().addingTimeInterval(Self.backoff(attempt: job.attempts)))
                }
            }
            group.addTask { await self.heartbeats(job, context) }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            // The heartbeat ended first: the lease is gone; the run must not write anything more.
            return await group.next().flatMap { $0 } ?? .cancelled
        }
        await finish(job, outcome, context)
    }

    /// Renews the lease a third of the way through it and stores progress; returns nil (and so
    /// stops the job) when the lease is lost; flags cancellation when it was requested.
    private func heartbeats(_ job: Job, _ context: JobContext) async -> JobOutcome? {
        while !Task.isCancelled {
            try? await Task.sleep(for: lease / 3)
            if Task.isCancelled { break }
            do {
                let progress = handlers[job.kind]?.commitsOwnProgress == true ? nil : context.progress
                let cancel = try await store.heartbeat(id: job.id, owner: owner, leaseUntil: Date().addingTimeInterval(lease.seconds),
                                                       progress: progress, now: Date())
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

    private func finish(_ job: Job, _ outcome: JobOutcome, _ context: JobContext) async {
        do {
            let progress = handlers[job.kind]?.commitsOwnProgress == true ? nil : context.progress
            try await store.finish(id: job.id, owner: owner, outcome: outcome, progress: progress, now: Date())
            logger.info("job finished", metadata: ["job": .stringConvertible(job.id), "outcome": .string("\(outcome)".prefix(200).description)])
        } catch {
            logger.warning("job outcome not recorded", metadata: ["job": .stringConvertible(job.id), "error": .string(String(describing: error))])
        }
    }

    /// 2^attempt seconds (capped at 5 minutes), with up to half again of random jitter so that
    /// failures at the same moment do not retry in lockstep.
    static func backoff(attempt: Int) -> TimeInterval {
        let base = min(300, pow(2, Double(max(0, attempt))))
        return base + Double.random(in: 0...(base / 2))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
