import Foundation
import Events
import Jobs
import JSONValues
import Testing
@testable import Workflows

/// The builder's "Test run" (issue 30 §1): a draft tried once without publishing and without
/// side effects. Lookups run for real, so a condition sees what the live workflow would; a step
/// with an effect is shown with the inputs it would have had and is never performed; nothing
/// is written.
@Suite struct WorkflowTrialTests {
    let store = InMemoryWorkflowStore()

    static let trigger = Trigger.api([Parameter(name: "image_url", type: "url", required: true)])
    static let lookup = StepDefinition(id: "lookup", name: "Look it up", type: "action", integration: "vigil", operation: "match_lookup",
                                       inputs: ["image_url": "{{ trigger.image_url }}"])
    static let keep = StepDefinition(id: "keep", type: "action", action: "bank.add",
                                     inputs: ["bank": "KNOWN", "image_url": "{{ trigger.image_url }}", "note": "from {{ trigger.image_url }}"])
    static func decide(_ condition: String, _ steps: [StepDefinition]) -> StepDefinition {
        StepDefinition(id: "decide", type: "conditional", branches: [BranchDefinition(name: "hit", condition: condition, steps: steps)], otherwise: [])
    }

    @Test func lookupsRunStepsWithAnEffectDoNotAndNothingIsWritten() async throws {
        let lookups = ScriptedAction("vigil.match_lookup") { _, _ in ["is_match": true, "matches": [["source": "KNOWN", "distance": 4]]] }
        let adds = ScriptedAction("bank.add") { _, _ in ["added": true] }
        let engine = WorkflowEngine(store: store, actions: [lookups, adds])
        let draft = WorkflowDefinition(name: "w", trigger: Self.trigger, steps: [Self.lookup, Self.decide("steps.lookup.output.is_match", [Self.keep])])
        let steps = try await engine.tryOut(draft, input: ["image_url": "https://example.org/a.jpg"])
        #expect(steps.map(\.stepID) == ["lookup", "decide", "keep"])
        #expect(steps[0].outcome == .ran(["is_match": true, "matches": [["source": "KNOWN", "distance": 4]]]))
        #expect(steps[1].outcome == .took("hit"))
        #expect(steps[2].outcome == .wouldRun && steps[2].depth == 1)
        #expect(steps[2].inputs?.object?["note"] == "from https://example.org/a.jpg", "its inputs as the run would have had them")
        #expect(lookups.received.count == 1 && adds.received.isEmpty, "the lookup ran; the bank entry was not added")
        #expect(try await store.runs(RunFilter(limit: 10)).isEmpty, "no run was written")
    }

    @Test func aFailedStepStopsTheTrialAsItWouldStopARun() async throws {
        let down = ScriptedAction("vigil.match_lookup") { _, _ in throw ActionFailure("the image could not be fetched: HTTP 401") }
        let engine = WorkflowEngine(store: store, actions: [down])
        let draft = WorkflowDefinition(name: "w", trigger: Self.trigger, steps: [Self.lookup, Self.decide("steps.lookup.output.is_match", [Self.keep])])
        let steps = try await engine.tryOut(draft, input: ["image_url": "https://example.org/a.jpg"])
        #expect(steps.count == 1, "nothing after the failed step: \(steps.map(\.stepID))")
        guard case let .failed(why) = steps.first?.outcome else { Issue.record("\(steps)"); return }
        #expect(why.contains("HTTP 401"))
    }

    @Test func aConditionOnAStepThatDidNotRunIsUndecidedAndABadInputIsRefused() async throws {
        let adds = ScriptedAction("bank.add") { _, _ in ["added": true] }
        let engine = WorkflowEngine(store: store, actions: [adds])
        let draft = WorkflowDefinition(name: "w", trigger: Self.trigger, steps: [Self.keep, Self.decide("steps.keep.output.added", [Self.keep])])
        let steps = try await engine.tryOut(draft, input: ["image_url": "https://example.org/a.jpg"])
        #expect(steps.count == 2 && steps[0].outcome == .wouldRun)
        // Not "else": a null read as false would be a guess about what the run would do.
        guard case let .undecided(why) = steps[1].outcome else { Issue.record("decided on a step that did not run: \(steps[1].outcome)"); return }
        #expect(why.contains("reads step keep"))
        let negated = WorkflowDefinition(name: "w", trigger: Self.trigger, steps: [Self.keep, Self.decide("not steps.keep.output.added", [Self.keep])])
        guard case .undecided = try await engine.tryOut(negated, input: ["image_url": "https://example.org/a.jpg"])[1].outcome else {
            Issue.record("a negated condition on a step that did not run was decided"); return
        }
        #expect(adds.received.isEmpty)
        #expect(WorkflowEngine.reads("steps.keep.output.added", step: "keep") && !WorkflowEngine.reads("steps.keeper.output.x", step: "keep")
                && !WorkflowEngine.reads("trigger.steps.keep", step: "keep"))
        await #expect(throws: WorkflowError.self) { try await engine.tryOut(draft, input: [:]) }
        await #expect(throws: WorkflowError.self) { try await engine.tryOut(draft, input: ["image_url": "https://example.org/a.jpg", "other": "x"]) }
    }
}

extension WorkflowTrialTests {
    /// A trial's lookup is recorded, but no event-triggered workflow starts from it (it is not an upload).
    @Test func aTrialsMatchStartsNoWorkflow() {
        let trial = Event(id: 1, type: "match.found", subject: "lookup:x", actor: "api:trial", payload: ["api": "trial"], at: Date())
        let live = Event(id: 2, type: "match.found", subject: "lookup:y", actor: "api:native", payload: ["api": "native"], at: Date())
        #expect(!EventTableTriggers.startsRuns(trial) && EventTableTriggers.startsRuns(live))
    }
}
