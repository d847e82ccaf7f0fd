import ContentHashing
import Events
import Foundation
import HTTPTypes
import HummingbirdTesting
import Integrations
import JSONValues
import NIOCore
import Testing
import VigilTestSupport
import Workflows

/// `/v1/workflows` against the router: definitions checked when saved (422 naming step and
/// field), publish and pinning, idempotent starts, the template end to end over the built-in banks
/// and over Vigil's own PhotoDNA endpoint, and an event trigger from a PhotoDNA-API lookup.
@Suite struct WorkflowAPITests {
    static func text(_ definition: WorkflowDefinition) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(definition), as: UTF8.self)
    }

    /// Creates and publishes `definition`; returns the workflow's id.
    static func publish(_ definition: WorkflowDefinition, _ http: any TestClientProtocol, admin: String) async throws -> String {
        let created = try await http.json(.post, "/v1/workflows", key: admin, try text(definition))
        try #require(created.status == 201, "create: \(created.text)")
        let id = try #require(created.json["id"] as? String)
        let published = try await http.call(.post, "/v1/workflows/\(id)/publish", key: admin)
        try #require(published.status == 201, "publish: \(published.text)")
        return id
    }

    static func start(_ id: String, _ input: String, key: String, idempotencyKey: String? = nil, _ http: any TestClientProtocol) async throws -> Reply {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(key)"
        headers[.contentType] = "application/json"
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return try await http.execute(uri: "/v1/workflows/\(id)/runs", method: .post, headers: headers, body: ByteBuffer(string: input)) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
        }
    }

    static func steps(_ run: Reply) -> [String: [String: Any]] {
        Dictionary(((run.json["steps"] as? [[String: Any]]) ?? []).map { ($0["step"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Starts a run of workflow `id` with `input` (as the analyst), runs the queue, and answers
    /// the run as the API shows it.
    static func finishedRun(_ id: String, _ input: String, _ fixture: ServerFixture, _ http: any TestClientProtocol) async throws -> Reply {
        let started = try await start(id, input, key: fixture.analyst, http)
        try #require(started.status == 201, "\(started.text)")
        try await fixture.runJobs()
        return try await http.call(.get, "/v1/workflow-runs/\(try #require(started.json["id"] as? Int))", key: fixture.analyst)
    }

    /// The first evidence item of the case the run's `open_case` step opened.
    static func openedEvidence(_ run: Reply, _ fixture: ServerFixture, _ http: any TestClientProtocol) async throws -> [String: Any] {
        let caseID = try #require((steps(run)["open_case"]?["output"] as? [String: Any])?["case_id"] as? Int, "\(run.text)")
        let opened = try await http.call(.get, "/v1/cases/\(caseID)", key: fixture.reviewer)
        return try #require((opened.json["evidence"] as? [[String: Any]])?.first, "\(opened.text)")
    }

    @Test func theTemplateRunsOnTheBuiltInBanks() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test { http in
            let id = try await Self.publish(WorkflowLibrary.screenUploadedImage(), http, admin: fixture.admin)
            let input = #"{"image_url":"\#(origin.url("/demo-0.jpg"))","account_reference_id":"user-42"}"#
            let first = try await Self.start(id, input, key: fixture.analyst, idempotencyKey: "upload-1", http)
            #expect(first.status == 201, "\(first.text)")
            #expect(first.json["status"] as? String == "queued")
            #expect(first.json["version"] as? Int == 1)
            let again = try await Self.start(id, input, key: fixture.analyst, idempotencyKey: "upload-1", http)
            #expect(again.status == 200)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(again.json["id"] as? Int == first.json["id"] as? Int)
            let other = try await Self.start(id, #"{"image_url":"\#(origin.url("/unmatched.jpg"))"}"#, key: fixture.analyst, http)
            #expect(other.status == 201)

            try await fixture.runJobs()
            let runID = try #require(first.json["id"] as? Int)
            let run = try await http.call(.get, "/v1/workflow-runs/\(runID)", key: fixture.analyst)
            #expect(run.json["status"] as? String == "succeeded", "\(run.text)")
            let steps = Self.steps(run)
            let output = try #require(steps["lookup"]?["output"] as? [String: Any])
            #expect(output["is_match"] as? Bool == true)
            #expect(((output["matches"] as? [[String: Any]])?.first)?["source"] as? String == "TEST_BANK")
            #expect((steps["lookup"]?["input"] as? [String: Any])?["image_url"] as? String == origin.url("/demo-0.jpg"))
            #expect((steps["decide"]?["output"] as? [String: Any])?["branch"] as? String == "0")
            #expect(steps["lookup"]?["duration_ms"] is Int)

            // The match became a case in the csam queue, with the match as evidence and the
            // uploading account linked, and the account is blocked pending review.
            let caseID = try #require((steps["open_case"]?["output"] as? [String: Any])?["case_id"] as? Int, "\(run.text)")
            let opened = try await http.call(.get, "/v1/cases/\(caseID)", key: fixture.reviewer)
            #expect(opened.json["queue"] as? String == "csam" && opened.json["priority"] as? String == "urgent")
            let evidence = try #require((opened.json["evidence"] as? [[String: Any]])?.first)
            #expect(evidence["bank"] as? String == "TEST_BANK" && evidence["distance"] as? Int == 0 && evidence["source_url"] as? String == origin.url("/demo-0.jpg"))
            #expect((evidence["pdq"] as? String)?.count == 64, "the image's own signals are kept with the evidence")
            let accountID = try #require((opened.json["account_ids"] as? [Int])?.first)
            // Its timeline says what it opened with (issue 29: a workflow's case listed neither).
            let timeline = try #require(opened.json["timeline"] as? [[String: Any]])
            #expect(timeline.prefix(3).map { $0["kind"] as? String ?? "" } == ["created", "evidence", "account_linked"], "\(timeline)")
            #expect((timeline.first { $0["kind"] as? String == "evidence" }?["detail"] as? [String: Any])?["bank"] as? String == "TEST_BANK")
            let account = try await http.call(.get, "/v1/accounts/\(accountID)", key: fixture.reviewer)
            #expect(account.json["reference_id"] as? String == "user-42" && account.json["status"] as? String == "blocked")
            #expect((account.json["block_reason"] as? String)?.contains("case \(caseID)") == true)
            // The idempotent replay above ran once: one case.
            #expect((try await http.call(.get, "/v1/cases", key: fixture.reviewer).json["cases"] as? [Any])?.count == 1)

            let unmatched = try await http.call(.get, "/v1/workflow-runs/\(try #require(other.json["id"] as? Int))", key: fixture.analyst)
            #expect(unmatched.json["status"] as? String == "succeeded")
            #expect((Self.steps(unmatched)["decide"]?["output"] as? [String: Any])?["branch"] as? String == "else")

            // Listed by workflow and status; the matcher role may not see workflows at all.
            let listed = try await http.call(.get, "/v1/workflows/\(id)/runs?status=succeeded", key: fixture.analyst)
            #expect((listed.json["runs"] as? [Any])?.count == 2)
            #expect(try await http.call(.get, "/v1/workflows/\(id)/runs?status=done", key: fixture.analyst).status == 400)
            #expect(try await http.call(.get, "/v1/workflows", key: fixture.matcher).status == 403)
            // The run page leads with what the run did, in words and links (issue 30 §2), and
            // runs it again through a form that redirects to the new run (post/redirect/get).
            var browser = try await Browser.signedIn(.analyst, fixture: fixture, http: http)
            let page = try await browser.get("/workflow-runs/\(runID)")
            #expect(page.status == 200)
            let story = try #require(page.text.range(of: #"id="run-story""#).map { String(page.text[$0.upperBound...].prefix { $0 != "\n" }) })
            #expect(story.contains("Matched TEST_BANK (distance 0)"), "\(story)")
            #expect(story.contains(#"<a href="/cases/\#(caseID)">case #\#(caseID) opened</a>"#), "\(story)")
            #expect(story.contains(#"<a href="/accounts/\#(accountID)">user-42 blocked</a>"#), "\(story)")
            #expect(page.text.contains("Screen uploaded image") && !page.text.contains("What to do"))
            let repeated = try await browser.post("/workflow-runs/\(runID)/rerun", [:])
            #expect(repeated.status == 303 || repeated.status == 302, "\(repeated.text.prefix(300))")
            let location = try #require(repeated.headers[HTTPField.Name.location])
            #expect(location.hasPrefix("/workflow-runs/") && location != "/workflow-runs/\(runID)")
            #expect(try await browser.get(location).text.contains("a re-run of"))
            // A manual re-run takes the earlier run's input.
            let rerun = try await http.call(.post, "/v1/workflow-runs/\(runID)/rerun", key: fixture.analyst)
            #expect(rerun.status == 201)
            #expect(rerun.json["trigger"] as? String == "manual")
            #expect(rerun.json["rerun_of"] as? Int == runID)
        }
        try await origin.stop()
    }

    /// The case's evidence is the image that matched, not a second fetch of its URL: an origin
    /// that answers the lookup with a known image and anything after with another must not
    /// leave a case (and the report drafted from it) showing the other.
    @Test func theCaseKeepsTheImageThatMatchedNotASecondFetch() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test { http in
            let id = try await Self.publish(WorkflowLibrary.screenUploadedImage(), http, admin: fixture.admin)
            let run = try await Self.finishedRun(id, #"{"image_url":"\#(origin.url("/switch.jpg"))"}"#, fixture, http)
            #expect(run.json["status"] as? String == "succeeded", "\(run.text)")
            let matched = try ContentHasher().signals(of: Images.demo(0)).sha256
            #expect((Self.steps(run)["lookup"]?["output"] as? [String: Any])?["image_sha256"] as? String == matched)
            let evidence = try await Self.openedEvidence(run, fixture, http)
            #expect(evidence["sha256"] as? String == matched, "the evidence's signals are the matched image's")
            #expect(evidence["media_sha256"] as? String == matched, "the kept file is the matched image")
            #expect(evidence["source_url"] as? String == origin.url("/switch.jpg"))
        }
        try await origin.stop()
    }

    /// A definition cannot attach an image its run neither was given nor matched (another case's
    /// evidence, say) by naming its SHA-256.
    @Test func aStepReadsOnlyTheImagesOfItsOwnRun() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test { http in
            let template = try await Self.publish(WorkflowLibrary.screenUploadedImage(), http, admin: fixture.admin)
            _ = try await Self.start(template, #"{"image_url":"\#(origin.url("/demo-0.jpg"))"}"#, key: fixture.analyst, http)
            try await fixture.runJobs()
            let kept = try ContentHasher().signals(of: Images.demo(0)).sha256
            let borrowing = WorkflowDefinition(name: "Borrow evidence", trigger: .api([]), steps: [
                StepDefinition(id: "open_case", name: "Open a case", type: "action", action: "case.create",
                               inputs: ["title": "borrowed", "image_sha256": .string(kept)]),
            ])
            let id = try await Self.publish(borrowing, http, admin: fixture.admin)
            let run = try await Self.finishedRun(id, "{}", fixture, http)
            #expect(run.json["status"] as? String == "failed", "\(run.text)")
            #expect((Self.steps(run)["open_case"]?["error"] as? String)?.contains("is not an image this run was given or matched") == true, "\(run.text)")
            let cases = try await http.call(.get, "/v1/cases", key: fixture.reviewer)
            #expect((cases.json["cases"] as? [[String: Any]])?.contains { $0["title"] as? String == "borrowed" } == false)

            // A lookup that was not told to keep the image leaves image_sha256 empty: the case step
            // that asks for it fails, saying why, rather than fetching the URL again.
            let unkept = WorkflowDefinition(name: "Lookup without keeping", trigger: .api([Parameter(name: "image_url", type: "url", required: true)]), steps: [
                StepDefinition(id: "lookup", name: "Match Lookup", type: "action", integration: "vigil", operation: "match_lookup",
                               inputs: ["image_url": "{{ trigger.image_url }}"]),
                StepDefinition(id: "open_case", name: "Open a case", type: "action", action: "case.create",
                               inputs: ["title": "unkept", "image_url": "{{ trigger.image_url }}", "image_sha256": "{{ steps.lookup.output.image_sha256 }}"]),
            ])
            let unkeptID = try await Self.publish(unkept, http, admin: fixture.admin)
            let failed = try await Self.finishedRun(unkeptID, #"{"image_url":"\#(origin.url("/demo-0.jpg"))"}"#, fixture, http)
            #expect((Self.steps(failed)["lookup"]?["output"] as? [String: Any])?["is_match"] as? Bool == true)
            #expect((Self.steps(failed)["open_case"]?["error"] as? String)?.contains("image_sha256 is empty") == true, "\(failed.text)")
        }
        try await origin.stop()
    }

    @Test func definitionsAreCheckedWhenSaved() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let bad = #"{"name":"bad","trigger":{"type":"api","parameters":[{"name":"image_url","type":"url"}]},"steps":[{"id":"lookup","type":"action","integration":"vigil","operation":"match_lookup","inputs":{"image_url":"{{ trigger.image_url }}"}},{"id":"decide","type":"conditional","branches":[{"condition":"steps.lookup.output.is_match == 3","steps":[{"id":"wait","type":"sleep"}]}]}]}"#
            let refused = try await http.json(.post, "/v1/workflows", key: fixture.admin, bad)
            #expect(refused.status == 422)
            #expect(refused.errorCode == "invalid_workflow")
            let issues = try #require((refused.json["error"] as? [String: Any])?["issues"] as? [[String: Any]])
            #expect(issues.contains { $0["step"] as? String == "decide" && $0["field"] as? String == "branches[0].condition" })
            #expect(issues.contains { $0["step"] as? String == "wait" && $0["field"] as? String == "type" })
            // Validate says the same without saving.
            let checked = try await http.json(.post, "/v1/workflows/validate", key: fixture.admin, bad)
            #expect(checked.status == 200 && checked.json["valid"] as? Bool == false)
            #expect(try await http.call(.get, "/v1/workflows/bad", key: fixture.admin).status == 404)
            // A shape error names the field.
            let malformed = try await http.json(.post, "/v1/workflows", key: fixture.admin, #"{"name":"x","trigger":{"type":"api"},"steps":[{"type":"action"}]}"#)
            #expect(malformed.status == 400)
            #expect(malformed.errorMessage?.contains("steps[0].id") == true, "\(malformed.text)")
            // Analysts (and admins) change and run workflows; curators only read them.
            #expect(try await http.json(.post, "/v1/workflows", key: fixture.curator, try Self.text(WorkflowLibrary.screenUploadedImage())).status == 403)
            #expect(try await http.call(.get, "/v1/workflows", key: fixture.curator).status == 200)
            // A workflow that was never published does not run.
            let created = try await http.json(.post, "/v1/workflows", key: fixture.admin, try Self.text(WorkflowLibrary.screenUploadedImage()))
            #expect(created.status == 201)
            #expect(try await http.json(.post, "/v1/workflows", key: fixture.admin, try Self.text(WorkflowLibrary.screenUploadedImage())).status == 409)
            let notLive = try await Self.start(try #require(created.json["id"] as? String), #"{"image_url":"https://example.org/a.jpg"}"#, key: fixture.analyst, http)
            #expect(notLive.status == 409 && notLive.errorCode == "not_published")
            // Publishing is audited.
            let createdID = try #require(created.json["id"] as? String)
            _ = try await http.call(.post, "/v1/workflows/\(createdID)/publish", key: fixture.admin)
            let audit = try await http.call(.get, "/v1/audit?action=workflow.publish", key: fixture.admin)
            #expect(audit.text.contains("workflow.publish") && audit.text.contains("\"outcome\":\"ok\""), "\(audit.text)")
            #expect(try await http.call(.delete, "/v1/workflows/\(createdID)", key: fixture.admin).status == 200)
            #expect(try await http.call(.get, "/v1/workflows/\(createdID)", key: fixture.admin).status == 404)

            // A draft is checked again when published: a credential it names may have gone since.
            let credential = try await fixture.service.credentials.create(integration: "photodna", values: [
                "nickname": "soon gone", "subscription_key": "pdna-key-0000"], mayRedirect: true)
            let pinned = try await http.json(.post, "/v1/workflows", key: fixture.admin,
                                             try Self.text(WorkflowLibrary.screenUploadedImage(photoDNACredential: credential.id)))
            #expect(pinned.status == 201)
            _ = try await fixture.service.credentials.delete(id: credential.id)
            let refusedPublish = try await http.call(.post, "/v1/workflows/\(try #require(pinned.json["id"] as? String))/publish", key: fixture.admin)
            #expect(refusedPublish.status == 422)
            #expect(refusedPublish.text.contains("no credential \(credential.id)"))
        }
    }

    @Test func runsArePinnedToTheirVersionAndRollbackRepublishes() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test { http in
            let id = try await Self.publish(WorkflowLibrary.screenUploadedImage(), http, admin: fixture.admin)
            let input = #"{"image_url":"\#(origin.url("/demo-0.jpg"))"}"#
            let onV1 = try await Self.start(id, input, key: fixture.analyst, http)
            // Version 2 adds a step that keeps the image's signals in a bank.
            _ = try await fixture.service.banks.createBank(.init(name: "SEEN"))
            var draft = WorkflowLibrary.screenUploadedImage()
            draft.steps.append(StepDefinition(id: "keep", type: "action", action: "bank.add", inputs: ["bank": "SEEN", "image_url": "{{ trigger.image_url }}"]))
            #expect(try await http.json(.put, "/v1/workflows/\(id)", key: fixture.admin, try Self.text(draft)).status == 200)
            #expect(try await http.call(.post, "/v1/workflows/\(id)/publish", key: fixture.admin).json["version"] as? Int == 2)
            let onV2 = try await Self.start(id, input, key: fixture.analyst, http)
            try await fixture.runJobs()
            let first = try await http.call(.get, "/v1/workflow-runs/\(try #require(onV1.json["id"] as? Int))", key: fixture.analyst)
            let second = try await http.call(.get, "/v1/workflow-runs/\(try #require(onV2.json["id"] as? Int))", key: fixture.analyst)
            #expect(Self.steps(first)["keep"] == nil)
            #expect(Self.steps(second)["keep"]?["status"] as? String == "succeeded")
            #expect(try await fixture.service.banks.entryCount(of: try await fixture.service.banks.bank(named: "SEEN")) == 1)
            // Versions are listed and frozen; rolling back publishes version 1 again.
            let versions = try await http.call(.get, "/v1/workflows/\(id)/versions", key: fixture.analyst)
            #expect((versions.json["versions"] as? [[String: Any]])?.compactMap { $0["version"] as? Int } == [2, 1])
            #expect(try await http.call(.post, "/v1/workflows/\(id)/versions/1/publish", key: fixture.admin).status == 200)
            let workflow = try await http.call(.get, "/v1/workflows/\(id)", key: fixture.analyst)
            #expect(workflow.json["live_version"] as? Int == 1 && workflow.json["latest_version"] as? Int == 2)
            #expect(try await Self.start(id, input, key: fixture.analyst, http).json["version"] as? Int == 1)
            #expect(try await http.call(.post, "/v1/workflows/\(id)/versions/9/publish", key: fixture.admin).status == 404)
        }
        try await origin.stop()
    }

    /// The template with PhotoDNA as its provider, where "PhotoDNA" is this Vigil's own
    /// PhotoDNA-compatible endpoint: the credential's key never shows in the run's history.
    @Test func theTemplateWithPhotoDNAAsTheProvider() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test(.live) { http in
            let run = try await Self.runTemplateOnOwnPhotoDNA(fixture, http, image: origin.url("/demo-0.jpg"))
            #expect(run.json["status"] as? String == "succeeded", "\(run.text)")
            let output = try #require(Self.steps(run)["lookup"]?["output"] as? [String: Any])
            #expect(output["is_match"] as? Bool == true)
            #expect(output["status_code"] as? Int == 3000)
            #expect((output["tracking_id"] as? String)?.hasPrefix("VGL_") == true)
            #expect(((output["matches"] as? [[String: Any]])?.first)?["source"] as? String == "TEST_BANK")
            #expect(!run.text.contains(fixture.matcher))
        }
        try await origin.stop()
    }

    /// With PhotoDNA as the provider too, the case's evidence is the image PhotoDNA matched: the
    /// template looks up Inline, so Vigil fetches once and keeps what it sent.
    @Test func theCaseKeepsTheImagePhotoDNAMatched() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test(.live) { http in
            let run = try await Self.runTemplateOnOwnPhotoDNA(fixture, http, image: origin.url("/switch.jpg"))
            #expect(run.json["status"] as? String == "succeeded", "\(run.text)")
            let matched = try ContentHasher().signals(of: Images.demo(0)).sha256
            let evidence = try await Self.openedEvidence(run, fixture, http)
            #expect(evidence["sha256"] as? String == matched && evidence["media_sha256"] as? String == matched, "\(evidence)")
        }
        try await origin.stop()
    }

    /// Runs the template with this Vigil's own PhotoDNA-compatible endpoint as its provider (a
    /// live server: `http.port`), on `image`; returns the finished run.
    static func runTemplateOnOwnPhotoDNA(_ fixture: ServerFixture, _ http: any TestClientProtocol, image: String) async throws -> Reply {
        let port = try #require(http.port)
        let credential = try await fixture.service.credentials.create(integration: "photodna", values: [
            "nickname": "own endpoint", "endpoint": "http://127.0.0.1:\(port)/photodna/v1.0", "subscription_key": fixture.matcher,
            "requests_per_second": "50",
        ], mayRedirect: true)
        let id = try await publish(WorkflowLibrary.screenUploadedImage(photoDNACredential: credential.id), http, admin: fixture.admin)
        return try await finishedRun(id, #"{"image_url":"\#(image)"}"#, fixture, http)
    }

    /// A lookup through the PhotoDNA API starts an event-triggered workflow from the event table
    /// (its match was committed before it answered); the caller's answer does not wait for the run.
    @Test func aPhotoDNALookupStartsAnEventWorkflow() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.service.banks.createBank(.init(name: "SEEN"))
        let table = EventTableTriggers(triggers: fixture.service.triggers, events: fixture.service.events)
        try await table.deliverNew()  // the shared cursor starts here
        try await fixture.test { http in
            let definition = WorkflowDefinition(
                name: "keep what PhotoDNA callers match", trigger: .event(["match.found"], condition: "trigger.api == 'photodna'"),
                steps: [StepDefinition(id: "keep", type: "action", action: "bank.add",
                             inputs: ["bank": "SEEN", "pdq": "{{ trigger.pdq }}", "note": "{{ trigger.matches[0].bank }}"])])
            _ = try await Self.publish(definition, http, admin: fixture.admin)
            let body = #"{"DataRepresentation":"Inline","Value":"\#(Data(try Images.demo(0)).base64EncodedString())"}"#
            let answer = try await http.json(.post, "/photodna/v1.0/Match", key: fixture.matcher, body)
            #expect(answer.status == 200 && answer.json["IsMatch"] as? Bool == true, "\(answer.text)")
            // A native lookup that matches does not meet the condition.
            let native = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(1))
            #expect(native.status == 200)

            // The run is started from the event table, as every replica's follower does.
            #expect(try await fixture.service.workflows.runs(RunFilter()).isEmpty, "nothing started before the table was read")
            try await table.deliverNew()
            let runs = try await fixture.service.workflows.runs(RunFilter())
            try #require(runs.count == 1, "runs: \(runs)")
            try await fixture.runJobs()
            let run = try await fixture.service.workflows.run(try #require(runs.first?.id))
            #expect(run.status == .succeeded, "\(run)")
            #expect(run.trigger == .event)
            #expect(run.input.object?["api"] == "photodna")
            let seen = try await fixture.service.banks.entries(of: try await fixture.service.banks.bank(named: "SEEN"), after: 0, limit: 10)
            #expect(seen.count == 1)
            #expect(seen.first?.metadata.note == "TEST_BANK")
            try await table.deliverNew()
            #expect(try await fixture.service.workflows.runs(RunFilter()).count == 1, "the event starts one run however often it is read")
        }
    }
}

/// Case and account events start workflows: a workflow listening for escalations assigns the
/// case to the legal team, once per event however many times the table is read.
@Suite struct CaseEventTriggerTests {
    @Test func anEscalationStartsTheWorkflowThatListensForIt() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let definition = """
                {"name":"route escalations","trigger":{"type":"event","events":["case.escalated"],"condition":"trigger.queue == \\"csam\\""},
                 "steps":[{"id":"assign","type":"action","action":"case.assign","inputs":{"case_id":"{{ trigger.case_id }}","assignee":"legal@trust.example"}},
                          {"id":"tag","type":"action","action":"account.tag","inputs":{"reference_id":"escalated-{{ trigger.case_id }}","tags":["escalated"]}}]}
                """
            let created = try await http.json(.post, "/v1/workflows", key: fixture.analyst, definition)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            let published = try await http.call(.post, "/v1/workflows/\(id)/publish", key: fixture.analyst)
            #expect(published.status == 201, "\(published.text)")
            try await fixture.service.triggers.refresh()
            let table = EventTableTriggers(triggers: fixture.service.triggers, events: fixture.service.events)
            try await table.deliverNew()

            let csam = try #require(try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"a","queue":"csam"}"#).json["id"] as? Int)
            let spam = try #require(try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"b","queue":"spam"}"#).json["id"] as? Int)
            for id in [csam, spam] {
                #expect(try await http.decide(id, #"{"decision":"escalate"}"#, key: fixture.reviewer).status == 200)
            }
            try await table.deliverNew()
            // A second reader (another replica) of the same events starts nothing more.
            try await EventTableTriggers(triggers: fixture.service.triggers, events: RewoundEvents(store: fixture.service.events)).deliverNew()
            try await fixture.runJobs()

            let runs = try await http.call(.get, "/v1/workflows/\(id)/runs", key: fixture.analyst)
            #expect((runs.json["runs"] as? [[String: Any]])?.map { $0["status"] as? String } == ["succeeded"], "\(runs.text)")
            #expect(try await http.call(.get, "/v1/cases/\(csam)", key: fixture.reviewer).json["assignee"] as? String == "legal@trust.example")
            #expect(try await http.call(.get, "/v1/cases/\(spam)", key: fixture.reviewer).json["assignee"] == nil)
            let tagged = try await http.call(.get, "/v1/accounts?tag=escalated", key: fixture.reviewer)
            #expect((tagged.json["accounts"] as? [[String: Any]])?.map { $0["reference_id"] as? String } == ["escalated-\(csam)"])
        }
    }
}

/// The event table read from the start, as a replica that never saw the shared cursor.
struct RewoundEvents: EventStore {
    let store: any EventStore
    func append(_ events: [NewEvent], at time: Date) async throws -> [Event] { try await store.append(events, at: time) }
    func events(after id: Int64, types: Set<String>?, limit: Int) async throws -> [Event] { try await store.events(after: id, types: types, limit: limit) }
    func latestID() async throws -> Int64 { try await store.latestID() }
    func cursor(_ name: String) async throws -> Int64? { 0 }
    func saveCursor(_ name: String, position: Int64) async throws {}
}
