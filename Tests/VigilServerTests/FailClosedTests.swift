import Access
import Foundation
import HummingbirdTesting
import Jobs
import JSONValues
import SQLKit
import Testing
import VigilServer
import VigilTestSupport
import Workflows
import Storage

/// Nothing that matters fails silently: a match that cannot be recorded is not answered as
/// handled, deleting what a live workflow uses is refused, a condition that cannot be read
/// decides nothing, a misspelt key is an error, and every failed run is an event, a metric and a
/// line on the dashboard's home.
@Suite struct FailClosedTests {
    /// A match whose event cannot be committed answers 503 (retry), never a quiet 200.
    @Test func aMatchThatCannotBeRecordedIsNotAnswered() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            try await fixture.database.run { sql in try await sql.raw("ALTER TABLE events RENAME TO events_away").run() }
            let matched = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0))
            #expect(matched.status == 503 && matched.errorCode == "match_not_recorded", "\(matched.text)")
            #expect(matched.errorMessage?.contains("events") == false, "the storage's own words stay in the server's log: \(matched.text)")
            #expect(matched.headers[.retryAfter] != nil)
            // A lookup that matches nothing has nothing to record: it is answered as usual.
            let missed = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(DemoImages.count))
            #expect(missed.status == 200 && missed.json["is_match"] as? Bool == false)
            try await fixture.database.run { sql in try await sql.raw("ALTER TABLE events_away RENAME TO events").run() }
        }
    }

    @Test func deletingWhatALiveWorkflowUsesIsRefusedUnlessForced() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let credential = try await http.json(.post, "/v1/credentials", key: fixture.admin, #"""
                {"integration": "photodna", "values": {"nickname": "prod", "subscription_key": "k-123"}}
                """#)
            let credentialID = try #require(credential.json["id"] as? String, "\(credential.text)")
            let definition = WorkflowDefinition(name: "screen with both", trigger: .api([Parameter(name: "image_url", type: "url", required: true)]), steps: [
                StepDefinition(id: "photodna", type: "action", integration: "photodna", operation: "match_lookup", credential: credentialID,
                     inputs: ["image_url": "{{ trigger.image_url }}"]),
                StepDefinition(id: "ours", type: "action", integration: "vigil", operation: "match_lookup",
                     inputs: ["image_url": "{{ trigger.image_url }}", "banks": ["TEST_BANK"]]),
            ])
            _ = try await WorkflowAPITests.publish(definition, http, admin: fixture.admin)

            let credentialRefused = try await http.call(.delete, "/v1/credentials/\(credentialID)", key: fixture.admin)
            #expect(credentialRefused.status == 409 && credentialRefused.errorCode == "in_use", "\(credentialRefused.text)")
            #expect(credentialRefused.errorMessage?.contains("workflow \"screen with both\" (version 1, step photodna)") == true)
            let bankRefused = try await http.call(.delete, "/v1/banks/TEST_BANK", key: fixture.admin)
            #expect(bankRefused.status == 409 && bankRefused.errorMessage?.contains("step ours") == true, "\(bankRefused.text)")
            #expect(try await http.call(.get, "/v1/banks/TEST_BANK", key: fixture.admin).status == 200, "nothing was deleted")
            // Renaming it, or making it an allow bank, would break the workflow as surely.
            let renamed = try await http.json(.patch, "/v1/banks/TEST_BANK", key: fixture.admin, #"{"name": "RENAMED"}"#)
            #expect(renamed.status == 409 && renamed.errorMessage?.contains("renaming") == true, "\(renamed.text)")
            #expect(try await http.json(.patch, "/v1/banks/TEST_BANK", key: fixture.admin, #"{"kind": "allow"}"#).status == 409)
            #expect(try await http.json(.put, "/c/bank/TEST_BANK", key: fixture.admin, #"{"name": "RENAMED"}"#).status == 409)
            #expect(try await http.json(.patch, "/v1/banks/TEST_BANK", key: fixture.admin, #"{"description": "still here"}"#).status == 200)
            #expect(try await http.call(.get, "/v1/credentials/\(credentialID)", key: fixture.admin).status == 200)
            // A bank no live workflow names goes as before; with force, the used ones go too (and the audit says forced).
            #expect(try await http.call(.delete, "/v1/banks/ALLOW_BANK", key: fixture.admin).status == 200)
            #expect(try await http.call(.delete, "/v1/credentials/\(credentialID)?force=true", key: fixture.admin).status == 200)
            #expect(try await http.call(.delete, "/v1/banks/TEST_BANK?force=true", key: fixture.admin).status == 200)
            let audit = try await http.call(.get, "/v1/audit?action=bank.delete_forced", key: fixture.admin)
            #expect((audit.json["events"] as? [Any])?.count == 1, "\(audit.text)")
        }
    }

    /// In the dashboard, the refusal lists the workflows and offers to delete anyway.
    @Test func theDashboardSaysWhichWorkflowsUseACredential() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let credential = try await fixture.service.credentials.create(integration: "photodna", values: ["nickname": "prod", "subscription_key": "k"], mayRedirect: true)
            _ = try await WorkflowAPITests.publish(WorkflowLibrary.screenUploadedImage(photoDNACredential: credential.id), http, admin: fixture.admin)
            var browser = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            let refused = try await browser.post("/credentials/\(credential.id)/delete", [:])
            #expect(refused.status == 409)
            #expect(refused.text.contains("Screen uploaded image") && refused.text.contains("force-delete-\(credential.id)"))
            #expect(try await fixture.service.credentials.list().count == 1)
            let forced = try await browser.post("/credentials/\(credential.id)/delete", ["force": "true"])
            #expect(forced.status == 303)
            #expect(try await fixture.service.credentials.list().isEmpty)
        }
    }

    /// A stored condition that does not parse never holds: the trigger starts a failed run that
    /// says why (never a run on every event), a conditional step fails its run, and a rollback to
    /// such a version is refused.
    @Test func aConditionThatDoesNotParseDecidesNothing() async throws {
        let fixture = try await ServerFixture()
        let store = SQLWorkflowStore(database: fixture.database)
        try await fixture.test { http in
            // Versions stored by an earlier, laxer version of Vigil: published straight into the store.
            let good = WorkflowDefinition(name: "on matches", trigger: .event(["match.found"], condition: "trigger.api == 'native'"),
                                          steps: [StepDefinition(id: "tag", type: "action", action: "account.tag", inputs: ["reference_id": "u1", "tags": ["seen"]])])
            let id = try await WorkflowAPITests.publish(good, http, admin: fixture.admin)
            var broken = good
            broken.trigger.condition = "trigger.api == == 'native'"
            _ = try await store.publish(workflowID: id, definition: broken, by: "an older version", at: Date())
            let table = EventTableTriggers(triggers: fixture.service.triggers, events: fixture.service.events)
            try await table.deliverNew()
            #expect(try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(0)).status == 200)
            try await table.deliverNew()
            let runs = try await fixture.service.workflows.runs(RunFilter(workflowID: id))
            #expect(runs.count == 1 && runs.first?.status == .failed, "\(runs)")
            #expect(runs.first?.error?.contains("does not parse") == true)
            #expect(try await fixture.service.jobs.list(kinds: [WorkflowService.jobKind]).isEmpty, "a failed run gets no job")
            let failed = try await http.call(.get, "/v1/events?types=workflow.run.failed", key: fixture.viewer)
            #expect((failed.json["events"] as? [[String: Any]])?.first?["subject"] as? String == "workflow-run:\(runs[0].id)", "\(failed.text)")

            // Rolling back to the broken version is checked again, and refused.
            let rollback = try await http.call(.post, "/v1/workflows/\(id)/versions/2/publish", key: fixture.admin)
            #expect(rollback.status == 422, "\(rollback.text)")

            // A conditional step whose condition does not parse fails its run.
            let branching = WorkflowDefinition(name: "branching", trigger: .api([]), steps: [
                StepDefinition(id: "decide", type: "conditional", branches: [BranchDefinition(name: "odd", condition: "1 <", steps: [])], otherwise: []),
            ])
            let flow = try await fixture.service.workflows.create(WorkflowDefinition(name: "branching", trigger: .api([]), steps: [
                StepDefinition(id: "decide", type: "conditional", branches: [BranchDefinition(name: "odd", condition: "true", steps: [])], otherwise: []),
            ]))
            let version = try await store.publish(workflowID: flow.id, definition: branching, by: "an older version", at: Date())
            let run = try await fixture.service.workflows.createRun(NewRun(workflowID: flow.id, version: version.version, trigger: .api,
                                                                           input: [:], idempotencyKey: nil)).run
            try await fixture.runJobs()
            let ended = try await fixture.service.workflows.run(run.id)
            #expect(ended.status == .failed && ended.error?.contains("does not parse") == true, "\(ended)")
        }
    }

    @Test func unknownKeysAreRefusedByName() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let workflow = try await http.json(.post, "/v1/workflows", key: fixture.admin, #"""
                {"name": "typo", "trigger": {"type": "api"}, "steps": [
                  {"id": "look", "type": "action", "integration": "vigil", "operation": "match_lookup", "contine_on_error": true,
                   "inputs": {"image_url": "https://example.org/a.jpg"}}]}
                """#)
            #expect(workflow.status == 400, "\(workflow.text)")
            #expect(workflow.errorMessage?.contains(#""steps[0]" has an unknown key "contine_on_error""#) == true, "\(workflow.errorMessage ?? "")")
            let bank = try await http.json(.post, "/v1/banks", key: fixture.admin, #"{"name": "X", "pdq_treshold": 20}"#)
            #expect(bank.status == 400 && bank.errorMessage?.contains(#"unknown key "pdq_treshold""#) == true, "\(bank.text)")
            #expect(try await http.call(.get, "/v1/banks/X", key: fixture.admin).status == 404)
            let hma = try await http.json(.post, "/c/banks", key: fixture.admin, #"{"name": "HMA_X", "enabled_ratoi": 1}"#)
            #expect(hma.status == 400 && hma.errorMessage?.contains(#""enabled_ratoi""#) == true, "\(hma.text)")
            let entries = try await http.json(.post, "/v1/banks/TEST_BANK/entries", key: fixture.admin,
                                              #"{"entries": [{"pdq_hash": "\#(String(repeating: "ab", count: 32))"}]}"#)
            #expect(entries.status == 400 && entries.errorMessage?.contains(#"unknown key "pdq_hash""#) == true, "\(entries.text)")
        }
    }

    /// A failed run is an event (subscribable, and a trigger), a metric, and a line on the home page.
    @Test func aFailedRunIsSeenEverywhere() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let failing = WorkflowDefinition(name: "always fails", trigger: .api([]), steps: [
                // An address the fetcher refuses: the step fails for good at once.
                StepDefinition(id: "look", type: "action", integration: "vigil", operation: "match_lookup", inputs: ["image_url": "http://0.0.0.0/upload.jpg"]),
            ])
            let failingID = try await WorkflowAPITests.publish(failing, http, admin: fixture.admin)
            let onFailure = WorkflowDefinition(name: "on failures", trigger: .event(["workflow.run.failed"]), steps: [
                StepDefinition(id: "tag", type: "action", action: "account.tag", inputs: ["reference_id": "ops", "tags": ["{{ trigger.workflow_id }}"]]),
            ])
            let onFailureID = try await WorkflowAPITests.publish(onFailure, http, admin: fixture.admin)
            let table = EventTableTriggers(triggers: fixture.service.triggers, events: fixture.service.events)
            try await table.deliverNew()
            let started = try await WorkflowAPITests.start(failingID, "{}", key: fixture.analyst, http)
            try await fixture.runJobs()
            let run = try #require(started.json["id"] as? Int)
            let shown = try await http.call(.get, "/v1/workflow-runs/\(run)", key: fixture.analyst)
            #expect(shown.json["status"] as? String == "failed", "\(shown.text)")
            let events = try await http.call(.get, "/v1/events?types=workflow.run.failed", key: fixture.viewer)
            let data = try #require((events.json["events"] as? [[String: Any]])?.first?["data"] as? [String: Any], "\(events.text)")
            #expect(data["run_id"] as? Int == run && (data["error"] as? String)?.contains("could not be fetched") == true, "\(data)")
            // It starts the workflow that listens for failures.
            try await table.deliverNew()
            try await fixture.runJobs()
            let handled = try await fixture.service.workflows.runs(RunFilter(workflowID: onFailureID))
            #expect(handled.count == 1 && handled.first?.status == .succeeded, "\(handled)")
            // The metrics count it.
            let metrics = try await http.call(.get, "/metrics", key: fixture.admin).text
            #expect(metrics.contains(#"vigil_workflow_runs_finished_total{kind="api",outcome="failed"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"vigil_jobs_finished_total{kind="workflow.run",outcome="succeeded"}"#))
            // The home page lists it.
            let browser = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            let home = try await browser.get("/")
            #expect(home.text.contains("Failed in the range") && home.text.contains("/workflow-runs/\(run)"), "\(home.text.suffix(1500))")
        }
    }
}
