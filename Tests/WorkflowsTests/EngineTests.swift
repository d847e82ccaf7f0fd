import Foundation
import Jobs
import JSONValues
import Testing
import Workflows

/// The engine over an in-memory store and scripted actions: branching, retries with backoff,
/// continue_on_error, parallel steps, pinning, idempotent starts and resumption.
@Suite struct EngineTests {
    let store = InMemoryWorkflowStore()
    var service: WorkflowService { WorkflowService(store: store, jobs: JobQueue(store: UnusedJobStore()), credentials: { [:] }) }

    static let trigger = Trigger.api([Parameter(name: "image_url", type: "url", required: true), Parameter(name: "account", type: "text")])

    func lookup(matched: Bool) -> ScriptedAction {
        ScriptedAction("vigil.match_lookup") { _, _ in ["is_match": .bool(matched), "matches": [], "status_code": 3000, "status_description": "OK"] }
    }

    let adds = ScriptedAction("bank.add") { call, _ in ["added": true, "bank": call.inputs["bank"] ?? .null] }

    let lookupStep = StepDefinition(id: "lookup", type: "action", integration: "vigil", operation: "match_lookup", inputs: ["image_url": "{{ trigger.image_url }}"])

    func add(_ id: String, bank: String, continueOnError: Bool? = nil, retry: Retry? = nil) -> StepDefinition {
        StepDefinition(id: id, type: "action", action: "bank.add", inputs: ["bank": .string(bank), "note": "{{ trigger.account }}", "pdq": "{{ steps.lookup.output.tracking_id }}"],
             retry: retry, continueOnError: continueOnError)
    }

    func published(_ steps: [StepDefinition], trigger: Trigger = EngineTests.trigger) async throws -> Workflow {
        let workflow = try await service.create(WorkflowDefinition(name: "wf-\(UUID().uuidString.prefix(8))", trigger: trigger, steps: steps))
        _ = try await service.publish(workflow.id, by: "test")
        return workflow
    }

    func start(_ workflow: Workflow, key: String? = nil) async throws -> WorkflowRun {
        try await service.start(workflow.id, input: ["image_url": "https://example.org/a.jpg", "account": "acct-1"], idempotencyKey: key).run
    }

    /// A live workflow naming a bank in another case uses that bank (the review of issue 29:
    /// deleting KNOWN_BAD went through while a live step named known_bad).
    @Test func aBankNamedInAnotherCaseIsInUse() async throws {
        _ = try await published([lookupStep, add("keep", bank: "known_bad")])
        #expect(try await WorkflowUsage(store: store).users(ofBank: "KNOWN_BAD").count == 1)
        #expect(try await WorkflowUsage(store: store).users(ofBank: "OTHER").isEmpty)
    }

    /// A re-run on a newer version that takes an image where the run's version took an object is
    /// refused: the object could name any kept file (a case's evidence), which the run would read
    /// back as its image with no reveal (found by the review of issue 30).
    static let plainKeep = StepDefinition(id: "keep", type: "action", action: "bank.add",
                                          inputs: ["bank": "KEPT", "pdq": .string(String(repeating: "f", count: 64))])

    @Test func aRerunNeverTurnsAnEarlierInputIntoAnImageReference() async throws {
        let object = Trigger.api([Parameter(name: "img", type: "object")])
        let workflow = try await published([Self.plainKeep], trigger: object)
        let run = try await service.start(workflow.id, input: ["img": ["sha256": .string(String(repeating: "a", count: 64)), "bytes": 1]],
                                          idempotencyKey: nil).run
        var image = WorkflowDefinition(name: workflow.name, trigger: .api([Parameter(name: "img", type: "image")]), steps: [Self.plainKeep])
        image.description = "takes the image itself"
        _ = try await service.updateDraft(workflow.id, image)
        _ = try await service.publish(workflow.id, by: "test")
        await #expect(throws: WorkflowError.self) { _ = try await service.rerun(run.id) }
        // Its own version again is fine: the input is what that version took.
        let again = try await published([Self.plainKeep], trigger: object)
        let first = try await service.start(again.id, input: ["img": ["x": 1]], idempotencyKey: nil).run
        #expect(try await service.rerun(first.id).rerunOf == first.id)
    }

    /// A stored version with a step of no known type (stored by a laxer Vigil, or by hand) runs
    /// nothing and says why: it used to be run as an action named ".", its steps before it done.
    @Test func aStoredStepOfNoKnownTypeFailsTheRunBeforeAnyStep() async throws {
        let workflow = try await published([lookupStep, add("keep", bank: "KEPT")])
        let broken = WorkflowDefinition(name: workflow.name, trigger: Self.trigger, steps: [lookupStep, StepDefinition(id: "pause", type: "wait")])
        let version = try await store.publish(workflowID: workflow.id, definition: broken, by: "upgrade", at: Date())
        #expect(try await store.setLive(workflowID: workflow.id, version: version.version, at: Date()))
        let run = try await start(workflow)
        let lookup = lookup(matched: true)
        #expect(try await WorkflowEngine(store: store, actions: [lookup, adds]).advance(runID: run.id) == .finished(.failed))
        let failed = try #require(try await store.run(id: run.id))
        #expect(failed.error?.contains("unknown step type \"wait\"") == true, "\(failed)")
        #expect(lookup.received.isEmpty && store.step(run.id, "lookup") == nil)
    }

    /// An action's fields on a conditional, which earlier versions of Vigil accepted and ignored,
    /// are ignored in a stored version too: the upgrade that refuses them on save never stops a
    /// live workflow (the review of issue 29 found every run of such a version failing).
    @Test func aStoredConditionalWithAnActionsFieldsStillRuns() async throws {
        let workflow = try await published([lookupStep, add("keep", bank: "KEPT")])
        let lax = WorkflowDefinition(name: workflow.name, trigger: Self.trigger, steps: [
            lookupStep,
            StepDefinition(id: "decide", type: "conditional", inputs: [:],
                           branches: [BranchDefinition(condition: "steps.lookup.output.is_match", steps: [add("keep", bank: "KEPT")])])])
        let version = try await store.publish(workflowID: workflow.id, definition: lax, by: "older vigil", at: Date())
        #expect(try await store.setLive(workflowID: workflow.id, version: version.version, at: Date()))
        let run = try await start(workflow)
        #expect(try await WorkflowEngine(store: store, actions: [lookup(matched: true), adds]).advance(runID: run.id) == .finished(.succeeded))
        #expect(adds.received.count == 1)
    }

    /// A stored version whose input no longer parses (a stricter parser after an upgrade) fails
    /// the step before it runs, saying why: the text is never handed to the action as it is.
    @Test func anInputThatNoLongerParsesFailsTheStepInsteadOfBeingSentAsText() async throws {
        let workflow = try await published([lookupStep, add("keep", bank: "KEPT")])
        let broken = WorkflowDefinition(name: workflow.name, trigger: Self.trigger, steps: [
            lookupStep, StepDefinition(id: "keep", type: "action", action: "bank.add", inputs: ["bank": "KEPT", "note": "{{ trigger.account"])])
        let version = try await store.publish(workflowID: workflow.id, definition: broken, by: "upgrade", at: Date())
        #expect(try await store.setLive(workflowID: workflow.id, version: version.version, at: Date()))
        let run = try await start(workflow)
        #expect(try await WorkflowEngine(store: store, actions: [lookup(matched: true), adds]).advance(runID: run.id) == .finished(.failed))
        let keep = try #require(store.step(run.id, "keep"))
        #expect(keep.status == .failed && keep.error?.contains("is not closed by }}") == true, "\(keep)")
        #expect(adds.received.isEmpty)
    }

    /// An object or list parameter is bounded like a text (64 KiB of JSON unless it declares
    /// max_length): a run's input is kept in the clear, so an image cannot ride in one.
    @Test func anObjectOrListParameterIsBoundedLikeAText() async throws {
        let trigger = Trigger.api([Parameter(name: "image_url", type: "url", required: true), Parameter(name: "meta", type: "object"),
                                   Parameter(name: "tags", type: "list", maxLength: 10)])
        let workflow = try await published([lookupStep], trigger: trigger)
        let smuggled = String(repeating: "/9j/4AAQSkZJRgABAQ", count: 4000)  // 72 KB of base64 JPEG
        do {
            _ = try await service.start(workflow.id, input: ["image_url": "https://example.org/a.jpg", "meta": ["thumbnail": .string(smuggled)]],
                                        idempotencyKey: nil)
            Issue.record("an object of 72 KB was taken into a run's input")
        } catch let WorkflowError.invalidInput(message) {
            #expect(message.contains("parameter meta is") && message.contains("max_length of 65536") && message.contains("image parameter"))
        }
        await #expect(throws: WorkflowError.self) {
            try await service.start(workflow.id, input: ["image_url": "https://example.org/a.jpg", "tags": ["a-long-tag", "another"]], idempotencyKey: nil)
        }
        let fine = try await service.start(workflow.id, input: ["image_url": "https://example.org/a.jpg", "meta": ["uploader": "u-1"], "tags": ["a"]],
                                           idempotencyKey: nil)
        #expect(fine.created)
    }

    @Test func branchesOnTheLookup() async throws {
        let decide = StepDefinition(id: "decide", type: "conditional", branches: [BranchDefinition(condition: "steps.lookup.output.is_match", steps: [add("flag", bank: "MATCHED")])],
                          otherwise: [add("clear", bank: "CLEAN")])
        let workflow = try await published([lookupStep, decide])
        for matched in [true, false] {
            let run = try await start(workflow)
            let engine = WorkflowEngine(store: store, actions: [lookup(matched: matched), adds])
            #expect(try await engine.advance(runID: run.id) == .finished(.succeeded))
            #expect(store.step(run.id, "decide")?.output == ["branch": .string(matched ? "0" : "else")])
            #expect(store.step(run.id, matched ? "flag" : "clear")?.status == .succeeded)
            #expect(store.step(run.id, matched ? "clear" : "flag") == nil)
        }
        // Templates rendered over the trigger: the note is the trigger's account.
        #expect(adds.received.map { $0.inputs["note"] } == [.string("acct-1"), .string("acct-1")])
    }

    @Test func retriesWithBackoffThenSucceeds() async throws {
        let flaky = ScriptedAction("bank.add") { _, call in
            if call < 3 { throw Flaky() }
            return ["added": true, "bank": "B"]
        }
        let workflow = try await published([lookupStep, add("add", bank: "B", retry: Retry(attempts: 3, backoffSeconds: 0.2))])
        let run = try await start(workflow)
        let engine = WorkflowEngine(store: store, actions: [lookup(matched: true), flaky])
        let before = Date()
        guard case let .wait(first) = try await engine.advance(runID: run.id) else { Issue.record("no wait after a failure"); return }
        #expect(first.timeIntervalSince(before) >= 0.19)
        #expect(store.step(run.id, "add")?.status == .retrying)
        #expect(store.step(run.id, "add")?.error == "the provider is down")
        #expect(try await store.run(id: run.id)?.status == .waiting)
        // Called again before its time, the step does not run.
        if case .wait = try await engine.advance(runID: run.id) {} else { Issue.record("ran before its backoff") }
        #expect(flaky.received.count == 1)
        try await Task.sleep(until: .now + .milliseconds(210))  // the backoff itself, not ordering
        guard case let .wait(second) = try await engine.advance(runID: run.id) else { Issue.record("no second wait"); return }
        #expect(second.timeIntervalSince(first) >= 0.39)  // doubled
        try await Task.sleep(until: .now + .milliseconds(420))
        #expect(try await engine.advance(runID: run.id) == .finished(.succeeded))
        #expect(store.step(run.id, "add")?.attempts == 3)
        // Every try carried the same idempotency key, and the lookup ran once.
        #expect(Set(flaky.received.map(\.idempotencyKey)).count == 1)
        #expect(store.step(run.id, "lookup")?.attempts == 1)
    }

    @Test func continueOnErrorAndFailure() async throws {
        let broken = ScriptedAction("bank.add") { call, _ in
            if call.stepID == "first" { throw ActionFailure("bank \"NOPE\" not found") }
            return ["added": true, "bank": "B"]
        }
        let goesOn = try await published([lookupStep, add("first", bank: "NOPE", continueOnError: true), add("second", bank: "B")])
        let run = try await start(goesOn)
        let engine = WorkflowEngine(store: store, actions: [lookup(matched: true), broken])
        #expect(try await engine.advance(runID: run.id) == .finished(.succeeded))
        #expect(store.step(run.id, "first")?.status == .failed)
        #expect(store.step(run.id, "first")?.attempts == 1)  // an ActionFailure is not retried
        #expect(store.step(run.id, "second")?.status == .succeeded)

        let stops = try await published([lookupStep, add("first", bank: "NOPE", retry: Retry(attempts: 5)), add("second", bank: "B")])
        let failed = try await start(stops)
        #expect(try await engine.advance(runID: failed.id) == .finished(.failed))
        #expect(try await store.run(id: failed.id)?.error?.contains("step first failed: bank \"NOPE\" not found") == true)
        #expect(store.step(failed.id, "second") == nil)
    }

    @Test func parallelBranchesAllRun() async throws {
        let both = StepDefinition(id: "both", type: "parallel", branches: [BranchDefinition(steps: [add("left", bank: "L")]), BranchDefinition(steps: [add("right", bank: "R")])])
        let after = StepDefinition(id: "after", type: "action", action: "bank.add",
                         inputs: ["bank": "{{ steps.left.output.bank }}", "pdq": "x", "note": "{{ steps.right.output.bank }}"])
        let workflow = try await published([lookupStep, both, after])
        let run = try await start(workflow)
        let engine = WorkflowEngine(store: store, actions: [lookup(matched: true), adds])
        #expect(try await engine.advance(runID: run.id) == .finished(.succeeded))
        #expect(store.step(run.id, "both")?.status == .succeeded)
        #expect(adds.received.last?.inputs["bank"] == "L")
        #expect(adds.received.last?.inputs["note"] == "R")
    }

    @Test func resumesAfterACrashWithoutRepeatingCompletedSteps() async throws {
        let workflow = try await published([lookupStep, add("add", bank: "B")])
        let run = try await start(workflow)
        let lookups = lookup(matched: true)
        // The first pass dies inside bank.add: the lookup's record is committed, bank.add's says running.
        let dies = ScriptedAction("bank.add") { _, _ in throw CancellationError() }
        await #expect(throws: CancellationError.self) { try await WorkflowEngine(store: store, actions: [lookups, dies]).advance(runID: run.id) }
        #expect(store.step(run.id, "lookup")?.status == .succeeded)
        #expect(store.step(run.id, "add")?.status == .running)
        // Another worker takes the run over.
        #expect(try await WorkflowEngine(store: store, actions: [lookups, adds]).advance(runID: run.id) == .finished(.succeeded))
        #expect(lookups.received.count == 1)
        #expect(store.step(run.id, "add")?.attempts == 2)
        #expect(dies.received.map(\.idempotencyKey) == adds.received.map(\.idempotencyKey))
        #expect(adds.received.first?.idempotencyKey == "wfrun-\(run.id)-add")
    }

    @Test func aStepThatKeepsDyingFailsInsteadOfLoopingForEver() async throws {
        let workflow = try await published([lookupStep, add("add", bank: "B")])
        let run = try await start(workflow)
        let dies = ScriptedAction("bank.add") { _, _ in throw CancellationError() }
        let engine = WorkflowEngine(store: store, actions: [lookup(matched: true), dies])
        for _ in 0..<3 {
            await #expect(throws: CancellationError.self) { try await engine.advance(runID: run.id) }
        }
        // Retry policy 1 try, plus two interrupted ones: the fourth pass fails the step.
        #expect(try await engine.advance(runID: run.id) == .finished(.failed))
        #expect(store.step(run.id, "add")?.error == "interrupted 3 times before it finished")
        #expect(dies.received.count == 3)
    }

    @Test func idempotentStartsPinningAndInputChecks() async throws {
        let workflow = try await published([lookupStep])
        let first = try await start(workflow, key: "upload-1")
        let again = try await service.start(workflow.id, input: ["image_url": "https://example.org/a.jpg", "account": "acct-1"], idempotencyKey: "upload-1")
        #expect(again.created == false)
        #expect(again.run.id == first.id)
        await #expect(throws: WorkflowError.idempotencyConflict(key: "upload-1", run: first.id)) {
            try await service.start(workflow.id, input: ["image_url": "https://example.org/other.jpg"], idempotencyKey: "upload-1")
        }
        // A new version does not move a run that started on the old one.
        var draft = try await service.workflow(workflow.id).draft
        draft.steps.append(add("later", bank: "B"))
        _ = try await service.updateDraft(workflow.id, draft)
        _ = try await service.publish(workflow.id, by: "test")
        let second = try await start(workflow)
        #expect(first.version == 1)
        #expect(second.version == 2)
        let engine = WorkflowEngine(store: store, actions: [lookup(matched: false), adds])
        #expect(try await engine.advance(runID: first.id) == .finished(.succeeded))
        #expect(store.step(first.id, "later") == nil)
        #expect(try await engine.advance(runID: second.id) == .finished(.succeeded))
        #expect(store.step(second.id, "later")?.status == .succeeded)
        // Rolling back is publishing version 1 again.
        _ = try await service.publish(workflow.id, version: 1)
        #expect(try await start(workflow).version == 1)
        // Publishing the unchanged draft again makes no third version: version 2 is live again.
        #expect(try await service.publish(workflow.id, by: "test").version == 2)
        #expect(try await service.publish(workflow.id, by: "test").version == 2)
        #expect(try await service.versions(workflow.id).count == 2)
        #expect(try await start(workflow).version == 2)

        await #expect(throws: WorkflowError.invalidInput("parameter image_url is required")) {
            try await service.start(workflow.id, input: [:], idempotencyKey: nil)
        }
        await #expect(throws: WorkflowError.self) { try await service.start(workflow.id, input: ["image_url": "ftp://x"], idempotencyKey: nil) }
        await #expect(throws: WorkflowError.self) { try await service.start(workflow.id, input: ["image_url": "https://a.b/c", "extra": 1], idempotencyKey: nil) }
    }

    @Test func cancelStopsBeforeTheNextStep() async throws {
        let workflow = try await published([lookupStep, add("add", bank: "B")])
        let queued = try await start(workflow)
        _ = try await service.cancel(queued.id)
        #expect(try await store.run(id: queued.id)?.status == .cancelled)  // not started: cancelled at once
        let engine = WorkflowEngine(store: store, actions: [lookup(matched: true), adds])
        #expect(try await engine.advance(runID: queued.id) == .finished(.cancelled))
        #expect(adds.received.isEmpty)
        // A cancel that arrives while a step runs (from any replica) stops the run before the next one.
        let running = try await start(workflow)
        let cancelsDuring = CancellingLookup(store: store)
        #expect(try await WorkflowEngine(store: store, actions: [cancelsDuring, adds]).advance(runID: running.id) == .finished(.cancelled))
        #expect(store.step(running.id, "lookup")?.status == .succeeded)
        #expect(store.step(running.id, "add") == nil)
        await #expect(throws: WorkflowError.self) { try await service.cancel(running.id) }  // finished already
    }

    @Test func eventTriggersStartOneRunPerEvent() async throws {
        let workflow = try await published([add("add", bank: "SEEN")].map { step in
            var step = step
            step.inputs = ["bank": "SEEN", "pdq": "{{ trigger.pdq }}"]
            return step
        }, trigger: .event(["match.found"], condition: "trigger.api == 'photodna'"))
        let triggers = EventTriggers(workflows: service)
        #expect(!triggers.wants("match.found"))  // not read yet
        try await triggers.refresh()
        #expect(triggers.wants("match.found"))
        #expect(!triggers.wants("lookup.completed"))  // nobody listens: a lookup builds no payload for it
        let event: JSONValue = ["event_id": "e1", "type": "match.found", "api": "photodna", "is_match": true, "pdq": "ab"]
        try await triggers.deliver(type: "match.found", payload: event)
        try await triggers.deliver(type: "match.found", payload: event)
        try await triggers.deliver(type: "lookup.completed", payload: ["event_id": "e2", "api": "photodna"])
        try await triggers.deliver(type: "match.found", payload: ["event_id": "e3", "api": "native", "is_match": true])
        let runs = try await store.runs(RunFilter(workflowID: workflow.id))
        #expect(runs.count == 1)
        #expect(runs.first?.trigger == .event)
        #expect(runs.first?.idempotencyKey == "event:e1")
    }
}

/// The engine tests start runs through the service; no job store is needed for that.
struct UnusedJobStore: JobStore {
    struct Unused: Error {}
    func enqueue(_ job: NewJob, at time: Date) async throws -> Job { throw Unused() }
    func job(id: Int64) async throws -> Job? { nil }
    func jobs(kinds: [String]?, states: [JobState]?, limit: Int) async throws -> [Job] { [] }
    func claim(kinds: [String], owner: String, affinity: String?, leaseUntil: Date, now: Date) async throws -> Job? { nil }
    func heartbeat(_ lease: JobLease, leaseUntil: Date, progress: String?, now: Date) async throws -> Bool { throw Unused() }
    func finish(_ lease: JobLease, outcome: JobOutcome, progress: String?, now: Date) async throws { throw Unused() }
    func release(_ lease: JobLease, progress: String?, now: Date) async throws { throw Unused() }
    func failedJobs(since: Date, limit: Int) async throws -> [Job] { [] }
    func requestCancel(id: Int64, now: Date) async throws -> Job? { nil }
}

/// A lookup during which someone cancels the run.
struct CancellingLookup: WorkflowAction {
    let key = "vigil.match_lookup"
    let store: InMemoryWorkflowStore
    func perform(_ call: ActionCall) async throws -> JSONValue {
        _ = try await store.requestCancel(runID: call.runID, at: Date())
        return ["is_match": false]
    }
}

/// Replaces one secret, as the vault's redactor does with a credential's.
struct OneSecret: SecretRedactor {
    let secret: String
    func redactor(forCredential id: String) async throws -> @Sendable (String) -> String {
        { [secret] in $0.replacingOccurrences(of: secret, with: "••••") }
    }
}

extension EngineTests {
    @Test func historyHidesCredentialSecrets() async throws {
        let echo = ScriptedAction("notify.webhook") { call, attempt in
            if attempt == 1 { throw Flaky.echo("refused key sk-live-123456") }
            return ["status": 200, "delivery_id": .string("echo sk-live-123456")]
        }
        let step = StepDefinition(id: "notify", type: "action", action: "notify.webhook", credential: "cred_hook",
                        inputs: ["data": ["note": "sk-live-123456 {{ trigger.account }}"]], retry: Retry(attempts: 2, backoffSeconds: 0))
        let service = WorkflowService(store: store, jobs: JobQueue(store: UnusedJobStore()), credentials: { ["cred_hook": "webhook"] })
        let workflow = try await service.create(WorkflowDefinition(name: "secrets", trigger: Self.trigger, steps: [step]))
        _ = try await service.publish(workflow.id, by: "test")
        let run = try await service.start(workflow.id, input: ["image_url": "https://example.org/a.jpg", "account": "acct"], idempotencyKey: nil).run
        let engine = WorkflowEngine(store: store, actions: [echo], secrets: OneSecret(secret: "sk-live-123456"))
        if case .wait = try await engine.advance(runID: run.id) {} else { Issue.record("no retry") }
        #expect(store.step(run.id, "notify")?.error == "refused key ••••")
        #expect(try await engine.advance(runID: run.id) == .finished(.succeeded))
        let record = try #require(store.step(run.id, "notify"))
        #expect(record.input?.text.contains("sk-live") == false)
        #expect(record.input?.text.contains("acct") == true)
        #expect(record.output?.object?["delivery_id"] == "echo ••••")
        // The performer itself got the real values.
        #expect(echo.received.last?.inputs["data"] == ["note": "sk-live-123456 acct"])
    }
}

/// A vault that cannot open the credential.
struct LockedVault: SecretRedactor {
    struct Locked: Error, CustomStringConvertible { var description: String { "the vault is locked" } }
    func redactor(forCredential id: String) async throws -> @Sendable (String) -> String { throw Locked() }
}

extension EngineTests {
    /// A step whose credential's secrets cannot be read does not run: its data could not be kept
    /// free of them. It fails, saying why, and its input is not kept.
    @Test func aRedactorThatFailsStopsTheStep() async throws {
        let echo = ScriptedAction("notify.webhook") { _, _ in ["status": 200] }
        let step = StepDefinition(id: "notify", type: "action", action: "notify.webhook", credential: "cred_hook", inputs: ["data": ["note": "x"]])
        let service = WorkflowService(store: store, jobs: JobQueue(store: UnusedJobStore()), credentials: { ["cred_hook": "webhook"] })
        let workflow = try await service.create(WorkflowDefinition(name: "locked", trigger: Self.trigger, steps: [step]))
        _ = try await service.publish(workflow.id, by: "test")
        let run = try await service.start(workflow.id, input: ["image_url": "https://example.org/a.jpg"], idempotencyKey: nil).run
        let engine = WorkflowEngine(store: store, actions: [echo], secrets: LockedVault())
        #expect(try await engine.advance(runID: run.id) == .finished(.failed))
        let record = try #require(store.step(run.id, "notify"))
        #expect(record.status == .failed && record.error?.contains("the vault is locked") == true && record.input == nil)
        #expect(echo.received.isEmpty, "the step never ran")
    }
}

extension Flaky {
    static func echo(_ text: String) -> EchoError { EchoError(description: text) }
}

struct EchoError: Error, CustomStringConvertible {
    let description: String
}
