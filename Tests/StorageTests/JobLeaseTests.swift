import Cases
import Foundation
import Jobs
import Logging
import Reports
import Storage
import Synchronization
import Testing
import VigilTestSupport

/// Job leases on both backends: a write fenced by a lease commits only under the claim that drew
/// its token (a worker that lost its job cannot overwrite the new owner, even under the same
/// name); a job whose process keeps dying is stopped with what it owns; a worker that is stopped
/// gives its job back at once.
@Suite(.serialized) struct JobLeaseTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A report's call job claimed, lost (its lease lapsed), and claimed again: the first claim's
    /// write to the report is refused in its own transaction, the second's commits.
    @Test(arguments: Backend.allCases)
    func aReportWriteUnderALostLeaseIsRefused(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (banks, database) = try await db.service()
        defer { Task { await database.close() } }
        let cases = CaseService(store: SQLCaseStore(database: database), banks: banks)
        let opened = try await cases.open(NewCase(title: "report me"), actor: "test").case
        let store = SQLReportStore(database: database)
        let created = try await store.createReport(ReportStoreTests.draft(database, caseID: opened.id), actor: "ana", at: Date()) { _ in [] }
        let queued = try await store.updateReport(id: created.id, at: Date()) { current in
            var approved = current
            approved.state = .approved
            return ReportChange(updated: approved, queueNextCall: true)
        }
        let jobs = SQLJobStore(database: database)
        let start = Date().addingTimeInterval(1)
        let first = try #require(try await jobs.claim(kinds: [ReportCallJob.jobKind], owner: "replica-a", affinity: nil,
                                                      leaseUntil: start.addingTimeInterval(30), now: start))
        #expect(first.id == queued.jobID)
        let later = start.addingTimeInterval(31)
        let second = try #require(try await jobs.claim(kinds: [ReportCallJob.jobKind], owner: "replica-a", affinity: nil,
                                                       leaseUntil: later.addingTimeInterval(30), now: later))
        #expect(second.id == first.id, "the same job, claimed again: its id alone cannot tell the claims apart")
        struct Marked: Error {}
        await #expect(throws: JobError.leaseLost(first.id)) {
            _ = try await store.updateReport(id: created.id, at: later, fence: first.lease) { current in
                var stale = current
                stale.remote.pendingCall = .submit
                return ReportChange(updated: stale, history: [NewHistoryEntry(actor: "system:reports", kind: "call", detail: [:])])
            }
        }
        let untouched = try #require(try await store.report(id: created.id))
        #expect(untouched.remote.pendingCall == nil && untouched.version == queued.version)
        let written = try await store.updateReport(id: created.id, at: later, fence: second.lease) { current in
            var marked = current
            marked.remote.pendingCall = .submit
            return ReportChange(updated: marked)
        }
        #expect(written.remote.pendingCall == .submit)
    }

    final class Abandoned: Sendable {
        let reasons = Mutex<[String]>([])
    }

    struct Handler: JobHandler {
        let kind: String
        let safeToRepeat = true
        let abandoned: Abandoned
        let body: @Sendable (Job, JobContext) async throws -> String?
        func run(_ job: Job, context: JobContext) async throws -> String? { try await body(job, context) }
        func abandon(_ job: Job, reason: String, lease: JobLease) async throws { abandoned.reasons.withLock { $0.append(reason) } }
    }

    /// A job whose worker dies under it every time (its lease lapses at every claim) is stopped
    /// after `maxInterruptions`, and what it owns is told why; it never runs again.
    @Test(arguments: Backend.allCases)
    func aJobThatKeepsDyingIsStoppedAndItsOwnerFailed(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let store = SQLJobStore(database: database)
        let job = try await store.enqueue(NewJob(kind: "fragile", payload: "{}", maxAttempts: 50), at: Date())
        var now = Date().addingTimeInterval(1)
        // Claimed, then the process dies (no heartbeat, no finish) — again and again.
        for _ in 0...JobWorker.maxInterruptions {
            _ = try #require(try await store.claim(kinds: ["fragile"], owner: "crashing", affinity: nil, leaseUntil: now.addingTimeInterval(30), now: now))
            now = now.addingTimeInterval(31)
        }
        let abandoned = Abandoned()
        let ran = Mutex(false)
        let due = now
        let worker = JobWorker(store: store, handlers: [Handler(kind: "fragile", abandoned: abandoned) { _, _ in
            ran.withLock { $0 = true }
            return nil
        }], clock: { due }, logger: Self.quiet)
        #expect(try await worker.runNext())
        let stopped = try #require(try await store.job(id: job.id))
        #expect(stopped.state == .failed && stopped.interruptions == JobWorker.maxInterruptions + 1)
        #expect(stopped.error?.contains("stopped mid-way \(JobWorker.maxInterruptions + 1) times") == true, "\(stopped.error ?? "")")
        #expect(abandoned.reasons.withLock { $0 }.count == 1 && !ran.withLock { $0 })
        #expect(try await !worker.runNext(now: due.addingTimeInterval(3600)))
    }

    /// A worker that is stopped (the server's SIGTERM cancels it) gives its job back: queued, due
    /// at once, no lease, so the next claim does not wait for a lease to lapse.
    @Test(arguments: Backend.allCases)
    func aStoppedWorkerGivesItsJobBackAtOnce(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let store = SQLJobStore(database: database)
        let job = try await store.enqueue(NewJob(kind: "long", payload: "{}"), at: Date())
        let (started, running) = AsyncStream<Void>.makeStream()
        let worker = JobWorker(store: store, handlers: [Handler(kind: "long", abandoned: Abandoned()) { _, _ in
            running.yield()
            try await Task.sleep(for: .seconds(3600))
            return nil
        }], lease: .seconds(600), logger: Self.quiet)
        let task = Task { try await worker.runNext() }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        #expect(try await store.job(id: job.id)?.state == .running)
        task.cancel()
        _ = try await task.value
        let released = try #require(try await store.job(id: job.id))
        #expect(released.state == .queued && released.leaseToken == nil && released.leaseUntil == nil && released.error == nil, "\(released)")
        let next = try #require(try await store.claim(kinds: ["long"], owner: "next", affinity: nil, leaseUntil: Date().addingTimeInterval(30), now: Date()))
        #expect(next.id == job.id && !next.wasInterrupted)
    }
}
