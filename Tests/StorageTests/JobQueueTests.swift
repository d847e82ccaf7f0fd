import Foundation
@testable import Jobs
import Logging
import Storage
import Synchronization
import Testing
import VigilTestSupport

/// The job queue on both backends: claims, leases, retries, cancellation.
@Suite(.serialized) struct JobQueueTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    final class Runs: Sendable {
        let ids = Mutex<[Int64]>([])
    }

    struct Handler: JobHandler {
        let kind: String
        let safeToRepeat: Bool
        let body: @Sendable (Job, JobContext) async throws -> String?
        func run(_ job: Job, context: JobContext) async throws -> String? { try await body(job, context) }
    }

    /// The job list filters by the kind and state given, exactly: a kind is bound, not written
    /// into the SQL after dropping the characters it may not hold (`bank.imp*ort` used to list
    /// the bank.import jobs).
    @Test(arguments: Backend.allCases)
    func theJobListFiltersByExactlyTheKindGiven(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let store = SQLJobStore(database: try await VigilDatabase.open(db.location))
        let queue = JobQueue(store: store)
        let imported = try await queue.enqueue(NewJob(kind: "bank.import", payload: "{}"))
        _ = try await queue.enqueue(NewJob(kind: "bank.sync", payload: "{}"))
        #expect(try await store.jobs(kinds: ["bank.import"], states: nil, limit: 10).map(\.id) == [imported.id])
        #expect(try await store.jobs(kinds: ["bank.imp*ort"], states: nil, limit: 10).isEmpty)
        #expect(try await store.jobs(kinds: ["bank.import'); --"], states: nil, limit: 10).isEmpty)
        #expect(try await store.jobs(kinds: nil, states: [.queued], limit: 10).count == 2)
        #expect(try await store.jobs(kinds: [], states: nil, limit: 10).isEmpty)
        #expect(try await store.jobs(kinds: nil, states: [.succeeded], limit: 10).isEmpty)
    }

    /// Four workers race for 60 jobs: each job runs exactly once. On PostgreSQL each worker has its
    /// own connection (as workers in separate processes do); SQLite has a single writer, which
    /// the four share.
    @Test(arguments: Backend.allCases)
    func competingWorkersRunEachJobOnce(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let databases = try await (0..<(backend == .postgres ? 4 : 1)).asyncMap { _ in try await VigilDatabase.open(db.location) }
        let queue = JobQueue(store: SQLJobStore(database: databases[0]))
        for i in 0..<60 { _ = try await queue.enqueue(NewJob(kind: "test.record", payload: #"{"n":\#(i)}"#)) }
        let runs = Runs()
        let handler = Handler(kind: "test.record", safeToRepeat: true) { job, _ in
            runs.ids.withLock { $0.append(job.id) }
            return nil
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                let database = databases[index % databases.count]
                group.addTask {
                    let worker = JobWorker(store: SQLJobStore(database: database), handlers: [handler], logger: Self.quiet)
                    while try await worker.runNext() {}
                }
            }
            try await group.waitForAll()
        }
        let ids = runs.ids.withLock { $0 }
        #expect(ids.count == 60 && Set(ids).count == 60)
        let finished = try await queue.list(states: [.succeeded], limit: 1000)
        #expect(finished.count == 60 && finished.allSatisfy { $0.attempts == 1 })
        for database in databases { await database.close() }
        withExtendedLifetime(db) {}
    }

    /// A worker that stops renewing its lease loses the job: another claims it (as an interrupted
    /// job, a new attempt), and the first one's late writes are refused.
    @Test(arguments: Backend.allCases)
    func anExpiredLeaseMakesTheJobClaimableAgain(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        let store = SQLJobStore(database: database)
        let job = try await store.enqueue(NewJob(kind: "k", payload: "{}"), at: Date())
        let start = Date()
        let first = try #require(try await store.claim(kinds: ["k"], owner: "a", affinity: nil, leaseUntil: start.addingTimeInterval(10), now: start))
        #expect(first.id == job.id && first.attempts == 1 && !first.wasInterrupted)
        #expect(try await store.claim(kinds: ["k"], owner: "b", affinity: nil, leaseUntil: start.addingTimeInterval(20),
                                      now: start.addingTimeInterval(5)) == nil)
        let later = start.addingTimeInterval(11)
        // The same worker name claims it again (a process that stalled and came back): the claim
        // draws a new token, so the first claim's writes are refused all the same.
        let second = try #require(try await store.claim(kinds: ["k"], owner: "a", affinity: nil, leaseUntil: later.addingTimeInterval(10), now: later))
        #expect(second.attempts == 2 && second.wasInterrupted && second.interruptions == 1 && second.leaseOwner == "a")
        let (stale, held) = (try #require(first.lease), try #require(second.lease))
        #expect(stale != held)
        await #expect(throws: JobError.leaseLost(job.id)) {
            _ = try await store.heartbeat(stale, leaseUntil: later.addingTimeInterval(30), progress: "{}", now: later)
        }
        await #expect(throws: JobError.leaseLost(job.id)) {
            try await store.finish(stale, outcome: .succeeded(result: nil), progress: nil, now: later)
        }
        try await store.finish(held, outcome: .succeeded(result: #"{"by":"second claim"}"#), progress: nil, now: later)
        #expect(try await store.job(id: job.id)?.state == .succeeded)
        await database.close()
    }

    /// A failing job is retried later with backoff, then failed for good; an interrupted job of
    /// a kind that may not repeat is failed, not run twice; affinity keeps a job on its node.
    @Test(arguments: Backend.allCases)
    func retriesBackOffAndUnrepeatableJobsAreNotRunTwice(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        let store = SQLJobStore(database: database)
        let failing = Handler(kind: "flaky", safeToRepeat: true) { _, _ in throw CocoaError(.fileReadUnknown) }
        let worker = JobWorker(store: store, handlers: [failing], logger: Self.quiet)
        let job = try await store.enqueue(NewJob(kind: "flaky", payload: "{}", maxAttempts: 2), at: Date())
        #expect(try await worker.runNext())
        let retried = try #require(try await store.job(id: job.id))
        #expect(retried.state == .queued && retried.error != nil && retried.runAfter > Date())
        #expect(try await !worker.runNext(), "not due before its backoff")
        #expect(try await worker.runNext(now: retried.runAfter.addingTimeInterval(1)))
        #expect(try await store.job(id: job.id)?.state == .failed)

        let once = Handler(kind: "once", safeToRepeat: false) { _, _ in nil }
        let unrepeatable = try await store.enqueue(NewJob(kind: "once", payload: "{}"), at: Date())
        _ = try await store.claim(kinds: ["once"], owner: "gone", affinity: nil, leaseUntil: Date().addingTimeInterval(-1), now: Date())
        #expect(try await JobWorker(store: store, handlers: [once], logger: Self.quiet).runNext())
        let refused = try #require(try await store.job(id: unrepeatable.id))
        #expect(refused.state == .failed && refused.error?.contains("not safe to repeat") == true)

        let pinned = try await store.enqueue(NewJob(kind: "once", payload: "{}", affinity: "node-a"), at: Date())
        #expect(try await JobWorker(store: store, handlers: [once], affinity: "node-b", logger: Self.quiet).runNext() == false)
        #expect(try await JobWorker(store: store, handlers: [once], affinity: "node-a", logger: Self.quiet).runNext())
        #expect(try await store.job(id: pinned.id)?.state == .succeeded)
        await database.close()
    }

    /// Cancelling a queued job ends it at once; a running one stops at its next check.
    @Test(arguments: Backend.allCases)
    func cancellation(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        let queue = JobQueue(store: SQLJobStore(database: database))
        let queued = try await queue.enqueue(NewJob(kind: "slow", payload: "{}", runAfter: Date().addingTimeInterval(3600)))
        #expect(try await queue.cancel(id: queued.id).state == .cancelled)

        let running = try await queue.enqueue(NewJob(kind: "slow", payload: "{}"))
        let slow = Handler(kind: "slow", safeToRepeat: true) { job, context in
            _ = try await queue.cancel(id: job.id)
            // The heartbeat (a third of the lease) brings the request to the job.
            while !context.isCancelled { try await Task.sleep(for: .milliseconds(20)) }
            try context.checkCancelled()
            return nil
        }
        let worker = JobWorker(store: queue.store, handlers: [slow], lease: .milliseconds(300), logger: Self.quiet)
        #expect(try await worker.runNext())
        #expect(try await queue.job(id: running.id).state == .cancelled)
        await #expect(throws: JobError.notFound(999_999)) { _ = try await queue.cancel(id: 999_999) }
        await database.close()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
