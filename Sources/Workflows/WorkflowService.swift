public import Foundation
public import Jobs
public import JSONValues

/// Workflows as their authors and callers use them: drafts checked when saved, publish and
/// rollback, runs started (idempotently), listed, re-run and cancelled. Runs execute on the job
/// queue (`WorkflowEngine`); this only records what was asked.
public final class WorkflowService: Sendable {
    let store: any WorkflowStore
    public let jobs: JobQueue
    /// The stored credentials (id → integration), for checking the steps that name one.
    let credentials: @Sendable () async throws -> [String: String]
    /// Where the images runs are given are kept (never in a run's input).
    let images: any RunImages

    public static let jobKind = "workflow.run"

    public init(store: any WorkflowStore, jobs: JobQueue, images: any RunImages = NoRunImages(),
                credentials: @escaping @Sendable () async throws -> [String: String]) {
        self.store = store
        self.jobs = jobs
        self.images = images
        self.credentials = credentials
    }

    // MARK: definitions

    public func validate(_ definition: WorkflowDefinition) async throws -> [ValidationIssue] {
        WorkflowValidator(credentials: try await credentials()).validate(definition)
    }

    /// A draft may have no steps yet (the dashboard builds one step at a time); everything else
    /// about it must hold, and a published version needs its steps.
    private func requireValid(_ definition: WorkflowDefinition, asDraft: Bool = false) async throws {
        var issues = try await validate(definition)
        if asDraft, definition.steps.isEmpty { issues.removeAll { $0.step == nil && $0.field == "steps" } }
        if !issues.isEmpty { throw WorkflowError.invalid(issues) }
    }

    public func create(_ definition: WorkflowDefinition, at time: Date = Date()) async throws -> Workflow {
        try await requireValid(definition, asDraft: true)
        let workflow = Workflow(id: Workflow.newID(), name: definition.name.trimmingSpaces, draft: definition, liveVersion: nil, latestVersion: nil,
                                createdAt: time, updatedAt: time)
        try await store.insert(workflow)
        return workflow
    }

    /// By id (`wfl_…`) or by name.
    public func workflow(_ reference: String) async throws -> Workflow {
        if reference.hasPrefix("wfl_"), let found = try await store.workflow(id: reference) { return found }
        if let found = try await store.workflow(named: reference) { return found }
        throw WorkflowError.notFound(reference)
    }

    public func list() async throws -> [Workflow] { try await store.workflows() }

    /// By name, or nil.
    public func find(named name: String) async throws -> Workflow? { try await store.workflow(named: name) }

    /// The live versions of the workflows an event starts.
    public func liveEventVersions() async throws -> [WorkflowVersion] { try await store.liveEventVersions() }

    /// Replaces the draft. Published versions are untouched: runs go on with the live one.
    public func updateDraft(_ reference: String, _ definition: WorkflowDefinition, at time: Date = Date()) async throws -> Workflow {
        let workflow = try await self.workflow(reference)
        try await requireValid(definition, asDraft: true)
        let name = definition.name.trimmingSpaces
        if name != workflow.name, try await store.workflow(named: name) != nil { throw WorkflowError.duplicateName(name) }
        guard let updated = try await store.updateDraft(id: workflow.id, name: name, draft: definition, at: time) else {
            throw WorkflowError.notFound(reference)
        }
        return updated
    }

    /// Creates the workflow named in the definition, or replaces its draft; publishes it when asked.
    public func apply(_ definition: WorkflowDefinition, publish: Bool, by actor: String) async throws -> (workflow: Workflow, created: Bool, version: WorkflowVersion?) {
        let existing = try await store.workflow(named: definition.name.trimmingSpaces)
        let workflow = if let existing { try await updateDraft(existing.id, definition) } else { try await create(definition) }
        let version = publish ? try await self.publish(workflow.id, by: actor) : nil
        return (try await self.workflow(workflow.id), existing == nil, version)
    }

    public func delete(_ reference: String) async throws -> Workflow {
        let workflow = try await self.workflow(reference)
        guard try await store.delete(id: workflow.id) else {
            throw WorkflowError.conflict("workflow \(workflow.name) has runs that have not finished: cancel them or let them end first")
        }
        return workflow
    }

    // MARK: versions

    /// Freezes the draft as the next version and makes it live. Checked again: a credential a
    /// step names may have been deleted since the draft was saved.
    /// `reviewedDraft` (`revision` of the draft the publisher was shown the changes of): when
    /// given, a draft edited since is refused, so what is published is what was reviewed; the
    /// definition read here is the one published.
    public func publish(_ reference: String, by actor: String, at time: Date = Date(), reviewedDraft: String? = nil) async throws -> WorkflowVersion {
        let workflow = try await self.workflow(reference)
        if let reviewedDraft, try Self.revision(workflow.draft) != reviewedDraft {
            throw WorkflowError.conflict("the draft changed since it was shown (someone edited it): review what publishing would change, then publish again")
        }
        guard !workflow.draft.steps.isEmpty else {
            throw WorkflowError.invalid([ValidationIssue(step: nil, field: "steps", message: "a workflow with no step does nothing: add a step before publishing")])
        }
        try await requireValid(workflow.draft)
        // A draft no different from the latest version is that version (made live if it is not):
        // publishing twice makes no second version.
        if let latest = workflow.latestVersion, let found = try await store.version(workflowID: workflow.id, version: latest),
           found.definition == workflow.draft {
            if workflow.liveVersion != latest { return try await publish(reference, version: latest, at: time) }
            return found
        }
        return try await store.publish(workflowID: workflow.id, definition: workflow.draft, by: actor, at: time)
    }

    /// Makes an earlier (or any) published version live again, checked again as a new one is: it
    /// was valid when published, but a credential it names may be gone, or the rules stricter.
    public func publish(_ reference: String, version: Int, at time: Date = Date()) async throws -> WorkflowVersion {
        let workflow = try await self.workflow(reference)
        guard let found = try await store.version(workflowID: workflow.id, version: version) else {
            throw WorkflowError.versionNotFound(workflow: workflow.name, version: version)
        }
        try await requireValid(found.definition)
        guard try await store.setLive(workflowID: workflow.id, version: version, at: time) else {
            throw WorkflowError.versionNotFound(workflow: workflow.name, version: version)
        }
        return found
    }

    /// A draft's revision as a publish form carries it: a digest of its content (FNV-1a over its
    /// JSON with sorted keys), so only an edit changes it — not making a version live, nor a
    /// publish that changed nothing. Not a secret, only a fingerprint.
    public static func revision(_ draft: WorkflowDefinition) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in try encoder.encode(draft) {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    public func versions(_ reference: String) async throws -> [WorkflowVersion] {
        try await store.versions(workflowID: try await workflow(reference).id)
    }

    public func version(_ reference: String, _ number: Int) async throws -> WorkflowVersion {
        let workflow = try await self.workflow(reference)
        guard let found = try await store.version(workflowID: workflow.id, version: number) else {
            throw WorkflowError.versionNotFound(workflow: workflow.name, version: number)
        }
        return found
    }

    // MARK: what the live workflows use

    /// The published (live) workflows whose steps name the credential, in words.
    public func liveUsers(ofCredential id: String) async throws -> [String] { try await WorkflowUsage(store: store).users(ofCredential: id) }

    /// The published (live) workflows whose steps name the bank.
    public func liveUsers(ofBank name: String) async throws -> [String] { try await WorkflowUsage(store: store).users(ofBank: name) }

    // MARK: runs

    /// Starts a run of the live version with an API call's parameters, checked against the
    /// trigger's schema. The same idempotency key returns the same run, never a second one.
    public func start(_ reference: String, input: [String: JSONValue], idempotencyKey: String?, at time: Date = Date()) async throws
        -> (run: WorkflowRun, created: Bool) {
        let workflow = try await self.workflow(reference)
        guard let live = workflow.liveVersion, let version = try await store.version(workflowID: workflow.id, version: live) else {
            throw WorkflowError.notPublished(workflow.name)
        }
        guard version.definition.trigger.type == "api" else {
            throw WorkflowError.invalidInput("workflow \(workflow.name) starts on events, not on API calls (its trigger is \(version.definition.trigger.type))")
        }
        if let key = idempotencyKey, key.isEmpty || key.count > 255 {
            throw WorkflowError.invalidInput("Idempotency-Key must be 1 to 255 characters")
        }
        let checked = try RunInput.check(input, against: version.definition.trigger.parameters ?? [])
        var fields = checked.input
        for (name, bytes) in checked.images.sorted(by: { $0.key < $1.key }) {
            fields[name] = RunInput.summary(sha256: try await images.keep(bytes), size: bytes.count)
        }
        let payload = JSONValue.object(fields)
        let started = try await createRun(NewRun(workflowID: workflow.id, version: live, trigger: .api, input: payload, idempotencyKey: idempotencyKey), at: time)
        if !started.created, started.run.input != payload, let key = idempotencyKey {
            throw WorkflowError.idempotencyConflict(key: key, run: started.run.id)
        }
        return started
    }

    /// Runs the live version again with an earlier run's input.
    public func rerun(_ runID: Int64, at time: Date = Date()) async throws -> WorkflowRun {
        let earlier = try await run(runID)
        let workflow = try await self.workflow(earlier.workflowID)
        guard let live = workflow.liveVersion else { throw WorkflowError.notPublished(workflow.name) }
        // An image parameter's input is a reference Vigil wrote when it kept the upload; the run
        // reads the file back by it. A version that declares an image where the earlier run's
        // version did not would read back whatever SHA-256 that input held (a case's evidence,
        // say, with no reveal): the run is refused instead.
        if live != earlier.version {
            guard let then = try await store.version(workflowID: workflow.id, version: earlier.version),
                  let now = try await store.version(workflowID: workflow.id, version: live) else {
                throw WorkflowError.versionNotFound(workflow: workflow.name, version: earlier.version)
            }
            let imagesThen = Set(then.definition.trigger.imageParameters.map(\.name))
            let imagesNow = now.definition.trigger.imageParameters.map(\.name)
            if let added = imagesNow.first(where: { !imagesThen.contains($0) }) {
                throw WorkflowError.invalidInput("version \(live) takes an image as \(added), which run \(runID)'s version \(earlier.version) did not: "
                                                 + "start a new run with the image instead of running this one again")
            }
        }
        return try await createRun(NewRun(workflowID: workflow.id, version: live, trigger: .manual, input: earlier.input, idempotencyKey: nil,
                                          rerunOf: earlier.id), at: time).run
    }

    /// Creates a run (and its job) and wakes this process's workers; a run with a `failure` is
    /// created failed, without a job.
    public func createRun(_ new: NewRun, at time: Date = Date()) async throws -> (run: WorkflowRun, created: Bool) {
        let created = try await store.createRun(new, jobKind: Self.jobKind, at: time)
        if created.created { jobs.doorbell.ring() }
        return created
    }

    public func run(_ id: Int64) async throws -> WorkflowRun {
        guard let run = try await store.run(id: id) else { throw WorkflowError.runNotFound(id) }
        return run
    }

    public func runs(_ filter: RunFilter) async throws -> [WorkflowRun] { try await store.runs(filter) }

    public func steps(of runID: Int64) async throws -> [StepRecord] { try await store.steps(runID: runID) }

    /// What the run did, in order (`RunStory`), told from its version's steps and its records.
    /// Throws when the version is gone or its steps no longer fit their types: the page says so
    /// rather than telling a story it cannot read.
    public func story(of run: WorkflowRun, records: [StepRecord]) async throws -> RunStory {
        guard let version = try await store.version(workflowID: run.workflowID, version: run.version) else {
            throw WorkflowError.versionNotFound(workflow: run.workflowID, version: run.version)
        }
        return RunStory(steps: try Step.plan(version.definition.steps), records: records)
    }

    /// A queued or waiting run is cancelled at once; a running one stops before its next step.
    public func cancel(_ runID: Int64, at time: Date = Date()) async throws -> WorkflowRun {
        let current = try await run(runID)
        guard !current.status.isFinished else { throw WorkflowError.conflict("run \(runID) has already \(current.status.rawValue)") }
        guard let run = try await store.requestCancel(runID: runID, at: time) else { throw WorkflowError.runNotFound(runID) }
        return run
    }
}
