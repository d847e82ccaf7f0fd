import Foundation
import Jobs
import Synchronization
import Testing
import VigilTestSupport

/// The worker's rules against the in-memory queue (the SQL stores are tested in StorageTests):
/// retries with backoff until the attempts are spent, permanent failures, postponements,
/// cancellation, and jobs whose worker keeps dying.
@Suite struct JobWorkerTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A handler that does what it is told and counts its runs.
    final class Scripted: JobHandler, Sendable {
        let kind = "test.job"
        let safeToRepeat: Bool
        let outcome: @Sendable (Int) throws -> String?
        private let runs = Atomic<Int>(0)

        init(safeToRepeat: Bool = true, _ outcome: @escaping @Sendable (Int) throws -> String?) {
            self.safeToRepeat = safeToRepeat
            self.outcome = outcome
        }

        func run(_ job: Job, context: JobContext) async throws -> String? {
            try outcome(runs.add(1, ordering: .relaxed).newValue)
        }

        var count: Int { runs.load(ordering: .relaxed) }
    }

    struct Flaky: Error, CustomStringConvertible {
        var description: String { "the service is down" }
    }

    func worker(_ store: InMemoryJobStore, _ handler: Scripted) -> JobWorker {
        JobWorker(store: store, handlers: [handler], owner: "worker-1", clock: { Self.start })
    }

    @Test func aFailingJobIsRetriedWithBackoffUntilItsAttemptsAreSpent() async throws {
        let store = InMemoryJobStore()
        let handler = Scripted { _ in throw Flaky() }
        let worker = worker(store, handler)
        let job = try await store.enqueue(NewJob(kind: "test.job", payload: "{}", maxAttempts: 3, runAfter: Self.start), at: Self.start)

        #expect(try await worker.runNext(now: Self.start))
        var stored = try #require(try await store.job(id: job.id))
        #expect(stored.state == .queued && stored.error == "the service is down")
        // After the first failure: between 1 and 2 s (half and all of 2 s).
        let firstWait = stored.runAfter.timeIntervalSince(Self.start)
        #expect(firstWait >= 1 && firstWait <= 2, "\(firstWait)")
        #expect(try await !worker.runNext(now: Self.start), "not due yet")

        #expect(try await worker.runNext(now: Self.start.addingTimeInterval(2)))
        stored = try #require(try await store.job(id: job.id))
        let secondWait = stored.runAfter.timeIntervalSince(Self.start)
        #expect(secondWait >= 2 && secondWait <= 4, "the wait doubles: \(secondWait)")

        #expect(try await worker.runNext(now: Self.start.addingTimeInterval(10)))
        stored = try #require(try await store.job(id: job.id))
        #expect(stored.state == .failed && stored.attempts == 3 && stored.error == "the service is down")
        #expect(handler.count == 3)
        #expect(try await !worker.runNext(now: Self.start.addingTimeInterval(3600)), "a failed job is never claimed again")
    }

    @Test func aPermanentFailureIsNotRetriedAndASuccessKeepsItsResult() async throws {
        let store = InMemoryJobStore()
        let handler = Scripted { run in
            if run == 1 { throw JobFailure.permanent("the bank is gone") }
            return #"{"added":1}"#
        }
        let worker = worker(store, handler)
        let failing = try await store.enqueue(NewJob(kind: "test.job", payload: "{}", maxAttempts: 5, runAfter: Self.start), at: Self.start)
        let succeeding = try await store.enqueue(NewJob(kind: "test.job", payload: "{}", maxAttempts: 5, runAfter: Self.start), at: Self.start)
        #expect(try await worker.runNext(now: Self.start))
        #expect(try await worker.runNext(now: Self.start))
        let failed = try #require(try await store.job(id: failing.id))
        #expect(failed.state == .failed && failed.attempts == 1 && failed.error == "the bank is gone")
        let done = try #require(try await store.job(id: succeeding.id))
        #expect(done.state == .succeeded && done.result == #"{"added":1}"#)
    }

    @Test func aPostponedJobWaitsForItsTime() async throws {
        let store = InMemoryJobStore()
        let later = Self.start.addingTimeInterval(90)
        let handler = Scripted { run in
            if run == 1 { throw JobPostponed(until: later, reason: "the receiver answered HTTP 503") }
            return nil
        }
        let worker = worker(store, handler)
        let job = try await store.enqueue(NewJob(kind: "test.job", payload: "{}", runAfter: Self.start), at: Self.start)
        #expect(try await worker.runNext(now: Self.start))
        let waiting = try #require(try await store.job(id: job.id))
        #expect(waiting.state == .queued && waiting.runAfter == later && waiting.error == "the receiver answered HTTP 503")
        #expect(try await !worker.runNext(now: later.addingTimeInterval(-1)))
        #expect(try await worker.runNext(now: later))
        #expect(try await store.job(id: job.id)?.state == .succeeded)
    }

    @Test func aCancelledQueuedJobNeverRuns() async throws {
        let store = InMemoryJobStore()
        let handler = Scripted { _ in nil }
        let worker = worker(store, handler)
        let job = try await store.enqueue(NewJob(kind: "test.job", payload: "{}", runAfter: Self.start), at: Self.start)
        #expect(try await store.requestCancel(id: job.id, now: Self.start)?.state == .cancelled)
        #expect(try await !worker.runNext(now: Self.start))
        #expect(handler.count == 0)
    }

    /// A running job asked to stop learns it at its next heartbeat and ends cancelled.
    @Test func aRunningJobAskedToStopEndsCancelled() async throws {
        let store = InMemoryJobStore()
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        final class UntilCancelled: JobHandler, Sendable {
            let kind = "test.job"
            let safeToRepeat = true
            let started: AsyncStream<Void>.Continuation
            init(started: AsyncStream<Void>.Continuation) { self.started = started }
            func run(_ job: Job, context: JobContext) async throws -> String? {
                started.yield()
                while true {
                    try context.checkCancelled()
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
        }
        let worker = JobWorker(store: store, handlers: [UntilCancelled(started: startedContinuation)], owner: "worker-1",
                               lease: .milliseconds(30), clock: { Self.start })
        let job = try await store.enqueue(NewJob(kind: "test.job", payload: "{}", runAfter: Self.start), at: Self.start)
        let running = Task { try await worker.runNext(now: Self.start) }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        #expect(try await store.requestCancel(id: job.id, now: Self.start)?.state == .running)
        #expect(try await running.value)
        #expect(try await store.job(id: job.id)?.state == .cancelled)
    }

    /// A job whose worker dies under it is run again; after more than `maxInterruptions` deaths
    /// it is stopped and says why. A job not safe to repeat is failed at its first interruption.
    @Test func aJobWhoseWorkerKeepsDyingIsStopped() async throws {
        let store = InMemoryJobStore()
        let handler = Scripted { _ in nil }
        let worker = worker(store, handler)
        let job = try await store.enqueue(NewJob(kind: "test.job", payload: "{}", maxAttempts: 10, runAfter: Self.start), at: Self.start)
        for _ in 0...JobWorker.maxInterruptions {
            // A worker claims it and dies: its lease lapses.
            _ = try await store.claim(kinds: ["test.job"], owner: "dead", affinity: nil, leaseUntil: Self.start.addingTimeInterval(30), now: Self.start)
            store.expireLease(of: job.id)
        }
        #expect(try await worker.runNext(now: Self.start))
        let stopped = try #require(try await store.job(id: job.id))
        #expect(stopped.state == .failed && stopped.error?.contains("stopped mid-way \(JobWorker.maxInterruptions + 1) times") == true,
                "\(stopped.error ?? "")")
        #expect(handler.count == 0)

        let once = Scripted(safeToRepeat: false) { _ in nil }
        let onceWorker = JobWorker(store: store, handlers: [once], owner: "worker-2", clock: { Self.start })
        let unsafe = try await store.enqueue(NewJob(kind: "test.job", payload: "{}", runAfter: Self.start), at: Self.start)
        _ = try await store.claim(kinds: ["test.job"], owner: "dead", affinity: nil, leaseUntil: Self.start.addingTimeInterval(30), now: Self.start)
        store.expireLease(of: unsafe.id)
        #expect(try await onceWorker.runNext(now: Self.start))
        let refused = try #require(try await store.job(id: unsafe.id))
        #expect(refused.state == .failed && refused.error?.contains("not safe to repeat") == true && once.count == 0)
    }
}
