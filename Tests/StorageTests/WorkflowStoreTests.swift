import Foundation
import Jobs
import JSONValues
import Storage
import Testing
import VigilTestSupport
import Workflows

/// The workflow store on both backends: versions numbered once under concurrent publishes,
/// one run (and one job) per idempotency key however many callers race, step records replaced
/// in place, and definitions read back as written.
@Suite(.serialized) struct WorkflowStoreTests {
    static let definition = WorkflowLibrary.screenUploadedImage()

    func open(_ db: TestDatabase, connections: Int) async throws -> [VigilDatabase] {
        var opened: [VigilDatabase] = []
        for _ in 0..<connections { opened.append(try await VigilDatabase.open(db.location)) }
        return opened
    }

    @Test(arguments: Backend.allCases)
    func racingStartsWithOneKeyMakeOneRun(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let databases = try await open(db, connections: backend == .postgres ? 4 : 1)
        let stores = databases.map(SQLWorkflowStore.init)
        let store = stores[0]
        let workflow = Workflow(id: Workflow.newID(), name: Self.definition.name, draft: Self.definition, liveVersion: nil, latestVersion: nil,
                                createdAt: Date(), updatedAt: Date())
        try await store.insert(workflow)
        await #expect(throws: WorkflowError.duplicateName(workflow.name)) {
            try await store.insert(Workflow(id: Workflow.newID(), name: workflow.name, draft: Self.definition, liveVersion: nil,
                                            latestVersion: nil, createdAt: Date(), updatedAt: Date()))
        }
        // Publishes at once take consecutive numbers.
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<6 {
                group.addTask { try await stores[i % stores.count].publish(workflowID: workflow.id, definition: Self.definition, by: "t", at: Date()).version }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions.sorted() == Array(1...6))
        #expect(try await store.version(workflowID: workflow.id, version: 3)?.definition == Self.definition)

        let created = try await withThrowingTaskGroup(of: (Int64, Bool).self) { group in
            for i in 0..<12 {
                group.addTask {
                    let made = try await stores[i % stores.count].createRun(
                        NewRun(workflowID: workflow.id, version: 6, trigger: .api, input: ["image_url": "https://example.org/a.jpg"],
                               idempotencyKey: "upload-7"), jobKind: WorkflowService.jobKind, at: Date())
                    return (made.run.id, made.created)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(created.map(\.0)).count == 1)
        #expect(created.filter(\.1).count == 1)
        let jobs = try await SQLJobStore(database: databases[0]).jobs(kinds: [WorkflowService.jobKind], states: nil, limit: 100)
        #expect(jobs.count == 1)
        #expect(jobs.first?.payload == (try WorkflowRunJob.payload(runID: created[0].0)))
        // Without a key every start is a run of its own.
        let a = try await store.createRun(NewRun(workflowID: workflow.id, version: 6, trigger: .api, input: [:], idempotencyKey: nil),
                                          jobKind: WorkflowService.jobKind, at: Date())
        let b = try await store.createRun(NewRun(workflowID: workflow.id, version: 6, trigger: .api, input: [:], idempotencyKey: nil),
                                          jobKind: WorkflowService.jobKind, at: Date())
        #expect(a.created && b.created && a.run.id != b.run.id)

        // StepDefinition records are replaced in place and read back with their JSON.
        let run = created[0].0
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.saveStep(StepRecord(runID: run, stepID: "lookup", status: .running, attempts: 1, input: ["image_url": "https://example.org/a.jpg"],
                                            output: nil, error: nil, startedAt: start, finishedAt: nil, nextAttemptAt: nil))
        try await store.saveStep(StepRecord(runID: run, stepID: "lookup", status: .succeeded, attempts: 2, input: ["image_url": "https://example.org/a.jpg"],
                                            output: ["is_match": true, "matches": [["distance": 4]]], error: nil, startedAt: start,
                                            finishedAt: start.addingTimeInterval(0.25), nextAttemptAt: nil))
        let steps = try await store.steps(runID: run)
        #expect(steps.count == 1)
        #expect(steps.first?.status == .succeeded && steps.first?.attempts == 2)
        #expect(steps.first?.output == ["is_match": true, "matches": [["distance": 4]]])
        // Writes fenced by a lease: only the worker that holds the run's job may write.
        let jobStore = SQLJobStore(database: databases[0])
        let claimed = try #require(try await jobStore.claim(kinds: [WorkflowService.jobKind], owner: "worker-a", affinity: nil,
                                                            leaseUntil: Date().addingTimeInterval(30), now: Date()))
        let holder = try #require(claimed.lease)
        let usurped = JobLease(jobID: claimed.id, token: "an earlier claim's token")
        let record = StepRecord(runID: run, stepID: "decide", status: .succeeded, attempts: 1, input: nil, output: ["branch": "0"], error: nil,
                                startedAt: start, finishedAt: start, nextAttemptAt: nil)
        try await store.saveStep(record, lease: holder)
        await #expect(throws: JobError.leaseLost(claimed.id)) { try await store.saveStep(record, lease: usurped) }
        await #expect(throws: JobError.leaseLost(claimed.id)) {
            try await store.setRunStatus(id: run, .failed, error: "stale worker", at: Date(), lease: usurped)
        }
        #expect(try await store.run(id: run)?.status == .queued)
        // A finished run stays finished.
        #expect(try await store.setRunStatus(id: run, .succeeded, error: nil, at: Date()))
        #expect(try await store.setRunStatus(id: run, .running, error: nil, at: Date()) == false)
        #expect(try await store.run(id: run)?.status == .succeeded)
        #expect(try await store.runs(RunFilter(workflowID: workflow.id, statuses: [.queued])).count == 2)
        // A queued run, or one waiting for a step's next try, is cancelled at once.
        #expect(try await store.requestCancel(runID: a.run.id, at: Date())?.status == .cancelled)
        let waiting = try await store.createRun(NewRun(workflowID: workflow.id, version: 6, trigger: .api, input: [:], idempotencyKey: nil),
                                                jobKind: WorkflowService.jobKind, at: Date()).run
        try await store.setRunStatus(id: waiting.id, .waiting, error: nil, at: Date())
        #expect(try await store.requestCancel(runID: waiting.id, at: Date())?.status == .cancelled)
        // A workflow with unfinished runs is not deleted; once they end, it goes with its runs.
        #expect(try await store.delete(id: workflow.id) == false)
        try await store.setRunStatus(id: b.run.id, .failed, error: "x", at: Date())
        #expect(try await store.delete(id: workflow.id))
        #expect(try await store.run(id: run) == nil)
        for database in databases { await database.close() }
    }
}
