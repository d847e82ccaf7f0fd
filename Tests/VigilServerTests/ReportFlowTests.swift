import Access
import Banks
import Cases
import ContentHashing
import Foundation
import HummingbirdTesting
import IntegrationClients
import JSONValues
import NCMECMock
import Reports
import Testing
import VigilServer
import VigilTestSupport
import Workflows
import WorkflowSteps

/// CyberTipline reports end to end, through the API and the job worker, against the mock:
/// the whole flow, every error class, retraction, expiry, and a lost answer at every call.
@Suite struct ReportFlowTests {
    /// A fixture, a running mock, a credential for it and the reporting settings.
    struct Setup {
        let fixture: ServerFixture
        let mock: CyberTiplineMock
        let running: HashSharingMock.Running
        let credentialID: String

        /// Runs every job that is due within the hour (retries back off for seconds to minutes).
        func runJobs() async throws {
            var runs = 0
            while try await fixture.worker.runNext(now: fixture.clock.now.addingTimeInterval(3600)), runs < 200 { runs += 1 }
        }

        func report(_ http: any TestClientProtocol, _ id: Int) async throws -> [String: Any] {
            let shown = try await http.call(.get, "/v1/reports/\(id)", key: fixture.reporter)
            #expect(shown.status == 200, "\(shown.text)")
            return shown.json
        }
    }

    static func setUp(_ http: any TestClientProtocol, _ fixture: ServerFixture) async throws -> Setup {
        let mock = try CyberTiplineMock()
        let running = try await mock.start()
        let created = try await http.json(.post, "/v1/credentials", key: fixture.admin, #"""
            {"integration": "ncmec_cybertipline", "values": {"nickname": "mock", "username": "esp-user", "password": "esp-password",
             "endpoint": "\#(running.base)"}}
            """#)
        #expect(created.status == 201, "\(created.text)")
        let settings = try await http.json(.put, "/v1/report-settings", key: fixture.admin, #"""
            {"esp_service": "ExampleApp", "platform": "ExampleApp for iOS",
             "reporter": {"first_name": "Riley", "last_name": "Ng", "email": "trust-safety@example.com"}}
            """#)
        #expect(settings.status == 200, "\(settings.text)")
        return Setup(fixture: fixture, mock: mock, running: running, credentialID: try #require(created.json["id"] as? String))
    }

    /// A case with `files` kept images (demo images, distinct) and a linked, blocked account.
    static func caseWithFiles(_ fixture: ServerFixture, _ http: any TestClientProtocol, files: Int = 2) async throws -> (caseID: Int, shas: [String]) {
        let (id, first) = try await EvidenceTests.caseWithImage(fixture, http, index: 0)
        var shas = [first]
        for index in 1..<max(1, files) {
            let attached = try await http.call(.post, "/v1/cases/\(id)/evidence?file_name=IMG_000\(index + 1).jpg", key: fixture.reviewer,
                                               contentType: "image/jpeg", body: try Images.demo(index))
            #expect(attached.status == 201, "\(attached.text)")
            shas.append(try #require((attached.json["evidence"] as? [[String: Any]])?.last?["media_sha256"] as? String))
        }
        let account = try await http.json(.post, "/v1/accounts", key: fixture.reviewer,
                                          #"{"reference_id": "user-12345", "screen_name": "uploader", "email": "uploader@example.net"}"#)
        let accountID = try #require(account.json["id"] as? Int)
        #expect(try await http.json(.post, "/v1/accounts/\(accountID)/block", key: fixture.reviewer, #"{"reason": "CSAM upload"}"#).status == 200)
        #expect(try await http.json(.post, "/v1/cases/\(id)/accounts", key: fixture.reviewer, #"{"account_ids": [\#(accountID)]}"#).status == 200)
        return (id, shas)
    }

    /// Drafts (reviewer) and approves (reporter) the case's report; returns its id.
    static func approvedReport(_ setup: Setup, _ http: any TestClientProtocol, caseID: Int) async throws -> Int {
        let fixture = setup.fixture
        let drafted = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, "{}")
        #expect(drafted.status == 201, "\(drafted.text)")
        let id = try #require(drafted.json["id"] as? Int)
        let approved = try await http.json(.post, "/v1/reports/\(id)/approve", key: fixture.reporter, #"{"version": \#(try #require(drafted.json["version"] as? Int))}"#)
        #expect(approved.status == 202, "\(approved.text)")
        return id
    }

    /// A fixture with a mock, a case of `files` files, `prepare` steering the mock, the case's
    /// report drafted and approved and every due job run; then `check`, with the report's id.
    static func scenario(files: Int, timeout: Duration = .seconds(10), prepare: @escaping @Sendable (CyberTiplineMock) -> Void = { _ in },
                         _ check: @escaping @Sendable (Setup, any TestClientProtocol, Int) async throws -> Void) async throws {
        let fixture = try await ServerFixture(cyberTiplineTimeout: timeout)
        try await fixture.test { http in
            let setup = try await setUp(http, fixture)
            defer { Task { setup.mock.releaseTrapped(); await setup.running.stop() } }
            let (caseID, _) = try await caseWithFiles(fixture, http, files: files)
            prepare(setup.mock)
            let id = try await approvedReport(setup, http, caseID: caseID)
            try await setup.runJobs()
            try await check(setup, http, id)
        }
    }

    /// The one report NCMEC keeps: finished, each file once with its details; no other report finished.
    static func expectOneCleanReport(_ mock: CyberTiplineMock, files: Int, _ comment: Comment? = nil) throws -> CyberTiplineMock.MockReport {
        let finished = mock.reports.filter { $0.state == .finished }
        #expect(finished.count == 1, comment)
        let report = try #require(finished.first)
        #expect(report.files.count == files, comment)
        #expect(report.files.allSatisfy { $0.details != nil }, comment)
        #expect(Set(report.files.map(\.md5)).count == files, "no file twice")
        return report
    }

    @Test func aCaseIsReportedFromDraftToReceiptAndItsCaseAndEvidenceFollow() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await Self.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let (caseID, shas) = try await Self.caseWithFiles(fixture, http, files: 2)
            // A person looked at the first file only: only it is viewed by the ESP.
            #expect(try await http.call(.post, "/v1/media/\(shas[0])/reveal?case_id=\(caseID)", key: fixture.reviewer).status == 200)
            let drafted = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, #"{"classification": "B1"}"#)
            #expect(drafted.status == 201, "\(drafted.text)")
            let id = try #require(drafted.json["id"] as? Int)
            #expect(drafted.json["state"] as? String == "draft")
            let files = try #require(drafted.json["files"] as? [[String: Any]])
            #expect(files.map { $0["viewed_by_esp"] as? Bool } == [true, false])
            #expect(files.allSatisfy { $0["classification"] as? String == "B1" && ($0["md5"] as? String)?.count == 32 })
            let people = try #require((drafted.json["content"] as? [String: Any])?["reported_people"] as? [[String: Any]])
            #expect(people.first?["esp_identifier"] as? String == "user-12345" && people.first?["account_disabled"] as? Bool == true)
            // Drafting again gives the same report; a reviewer may edit but not approve.
            #expect(try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, "{}").json["id"] as? Int == id)
            let evidenceID = try #require(files.last?["evidence_id"] as? Int)
            let edited = try await http.json(.patch, "/v1/reports/\(id)", key: fixture.reviewer, #"""
                {"version": 1, "files": [{"evidence_id": \#(evidenceID), "classification": "A2", "annotations": ["generativeAi"]}],
                 "escalate_to_high_priority": "ongoing abuse"}
                """#)
            #expect(edited.status == 200, "\(edited.text)")
            #expect(try await http.json(.post, "/v1/reports/\(id)/approve", key: fixture.reviewer, "{}").status == 403)
            #expect(try await http.json(.post, "/v1/reports/\(id)/approve", key: fixture.reporter, #"{"version": 1}"#).status == 409)
            let approved = try await http.json(.post, "/v1/reports/\(id)/approve", key: fixture.reporter, #"{"version": 2}"#)
            #expect(approved.status == 202 && approved.json["state"] as? String == "approved", "\(approved.text)")
            try await setup.runJobs()

            let report = try await setup.report(http, id)
            #expect(report["state"] as? String == "finished")
            let ncmec = try #require(report["ncmec"] as? [String: Any])
            let kept = try Self.expectOneCleanReport(setup.mock, files: 2)
            #expect(ncmec["report_id"] as? Int == Int(kept.id))
            #expect((ncmec["receipt"] as? String)?.contains("<reportDoneResponse>") == true)
            #expect(kept.xml.contains("<escalateToHighPriority>ongoing abuse</escalateToHighPriority>"))
            #expect(kept.files[0].details?.contains("<fileViewedByEsp>true</fileViewedByEsp>") == true)
            #expect(kept.files[1].details?.contains("<industryClassification>A2</industryClassification>") == true)
            // The history keeps every call: what was sent, NCMEC's answer and its Request-ID.
            let history = try #require(report["history"] as? [[String: Any]])
            let calls = history.filter { $0["kind"] as? String == "call" }.compactMap { $0["detail"] as? [String: Any] }
            #expect(calls.map { $0["call"] as? String } == ["submit", "upload", "upload", "fileinfo", "fileinfo", "finish"])
            #expect(calls.allSatisfy { ($0["request_id"] as? String)?.isEmpty == false && $0["code"] as? Int == 0 })
            let approval = try #require(history.first { $0["kind"] as? String == "approved" })
            #expect((approval["actor"] as? String)?.hasPrefix("system") == false, "a person approved it: \(approval)")
            #expect(history.contains { $0["kind"] as? String == "closed_out" })
            // The case is resolved as reported, its files kept a year, and report.submitted was emitted.
            let shownCase = try await http.call(.get, "/v1/cases/\(caseID)", key: fixture.reviewer)
            #expect(shownCase.json["status"] as? String == "resolved_confirmed")
            for sha in shas {
                let media = try await fixture.service.media.media(sha)
                #expect(try #require(media.keepUntil) >= fixture.clock.now.addingTimeInterval(364 * 86_400))
            }
            let events = try await http.call(.get, "/v1/events?types=report.*", key: fixture.reporter)
            let types = (events.json["events"] as? [[String: Any]])?.compactMap { $0["type"] as? String } ?? []
            #expect(types == ["report.drafted", "report.approved", "report.submitted"], "\(events.text)")
            // A finished report cannot be retracted.
            #expect(try await http.json(.post, "/v1/reports/\(id)/retract", key: fixture.reporter, #"{"reason": "oops"}"#).status == 400)
        }
    }
}

/// Auto-approval: only a workflow's draft, only with the setting on, only when every file matched
/// a bank labelled `verified`.
@Suite struct ReportAutoApprovalTests {
    /// A case opened as a workflow opens one: a kept image, matched in `bank` (entry `entryID`).
    static func matchedCase(_ fixture: ServerFixture, bank: String, image: Int, entryID: Int64? = nil) async throws -> Int64 {
        let bytes = try Images.demo(image)
        let signals = try ContentHasher().signals(of: bytes)
        _ = try await fixture.service.media.keep(bytes, sha256: signals.sha256, contentType: "image/jpeg")
        let evidence = NewEvidence(match: EvidenceMatch(provider: "vigil", bank: bank, entryID: entryID, distance: 0),
                                   signals: EvidenceSignals(pdq: signals.pdq.hex, md5: signals.md5, sha256: signals.sha256),
                                   mediaSHA256: signals.sha256, fileName: "upload.jpg")
        return try await fixture.service.cases.open(NewCase(title: "matched in \(bank)", evidence: [evidence]), actor: "workflow:test").case.id
    }

    static func draftStep(_ fixture: ServerFixture, caseID: Int64) async throws -> [String: JSONValue] {
        let output = try await ReportDraftAction(reports: fixture.service.reports).perform(
            ActionCall(inputs: ["case_id": .number(Double(caseID))], credential: nil, idempotencyKey: "run-1/draft", runID: 1, stepID: "draft", workflowID: "wfl_test"))
        return try #require(output.object)
    }

    /// Four eyes (issue 30 §5): with the setting on, whoever drafted or edited a report cannot
    /// approve it; another person can. The setting cannot be on with approval by itself.
    @Test func underFourEyesTheDrafterCannotApproveAndAnotherPersonCan() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await ReportFlowTests.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let both = try await http.json(.put, "/v1/report-settings", key: fixture.admin,
                                           #"{"reporter": {"email": "trust-safety@example.com"}, "auto_approve_verified": true, "require_second_approver": true}"#)
            #expect(both.status == 400 && both.text.contains("require_second_approver and auto_approve_verified cannot both be on"), "\(both.text)")
            let on = try await http.json(.put, "/v1/report-settings", key: fixture.admin,
                                         #"{"esp_service": "ExampleApp", "reporter": {"email": "trust-safety@example.com"}, "require_second_approver": true}"#)
            #expect(on.status == 200 && on.json["require_second_approver"] as? Bool == true, "\(on.text)")
            let (caseID, _) = try await ReportFlowTests.caseWithFiles(fixture, http, files: 1)
            let drafted = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.admin, "{}")
            let id = try #require(drafted.json["id"] as? Int, "\(drafted.text)")
            let version = try #require(drafted.json["version"] as? Int)
            let own = try await http.json(.post, "/v1/reports/\(id)/approve", key: fixture.admin, #"{"version": \#(version)}"#)
            #expect(own.status == 403 && (own.json["error"] as? [String: Any])?["code"] as? String == "second_approver_required", "\(own.text)")
            #expect((try await http.call(.get, "/v1/reports/\(id)", key: fixture.reporter)).json["state"] as? String == "draft")

            // On the case page, a person who edited it is told why there is no approve button.
            var admin = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            #expect(try await admin.post("/reports/\(id)/edit", ["version": String(version), "additional_info": "checked twice"]).status == 303)
            let page = try await admin.get("/cases/\(caseID)")
            #expect(page.text.contains(#"id="four-eyes""#) && !page.text.contains(#"id="approve-report""#))

            // A key names no one (one person may hold two): under four eyes it cannot approve.
            let current = try #require((try await http.call(.get, "/v1/reports/\(id)", key: fixture.reporter)).json["version"] as? Int)
            let byKey = try await http.json(.post, "/v1/reports/\(id)/approve", key: fixture.reporter, #"{"version": \#(current)}"#)
            #expect(byKey.status == 403 && byKey.text.contains("names no one"), "\(byKey.text)")
            // Another person, signed in with a name, approves it.
            var reporter = try await Browser.signedIn(.reporter, fixture: fixture, http: http)
            #expect(try await reporter.post("/reports/\(id)/approve", ["version": String(current)]).status == 303)
            #expect((try await http.call(.get, "/v1/reports/\(id)", key: fixture.reporter)).json["state"] as? String == "approved")
            // A settings change that leaves the flag out keeps four eyes on (and one that turns it off says so).
            let kept = try await http.json(.put, "/v1/report-settings", key: fixture.admin,
                                           #"{"esp_service": "ExampleApp", "reporter": {"email": "trust-safety@example.com"}}"#)
            #expect(kept.json["require_second_approver"] as? Bool == true, "\(kept.text)")
            let off = try await http.json(.put, "/v1/report-settings", key: fixture.admin,
                                          #"{"reporter": {"email": "trust-safety@example.com"}, "require_second_approver": false}"#)
            #expect(off.json["require_second_approver"] as? Bool == false)
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 5, filter: AuditFilter(action: "report.settings"))
            #expect(audit.first?.outcome == "ok: four eyes turned off" && audit.dropFirst().first?.outcome == "ok", "\(audit)")
        }
    }

    @Test func onlyVerifiedMatchesDraftedByAWorkflowAreApprovedWithoutAPerson() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await ReportFlowTests.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let verified = try await Self.matchedCase(fixture, bank: "TEST_BANK", image: 0, entryID: fixture.entryIDs[0])
            // The setting is off: a workflow's draft waits.
            #expect(try await Self.draftStep(fixture, caseID: verified)["state"] == .string("draft"))
            let settings = try await http.json(.put, "/v1/report-settings", key: fixture.admin,
                                               #"{"esp_service": "ExampleApp", "reporter": {"email": "trust-safety@example.com"}, "auto_approve_verified": true}"#)
            #expect(settings.status == 200)
            let second = try await Self.matchedCase(fixture, bank: "TEST_BANK", image: 1, entryID: fixture.entryIDs[1])
            let approved = try await Self.draftStep(fixture, caseID: second)
            #expect(approved["state"] == .string("approved") && approved["auto_approved"] == .bool(true))
            // Naming a verified bank is not enough: the entry must be in it and match the file.
            let claimed = try await Self.matchedCase(fixture, bank: "TEST_BANK", image: 2, entryID: fixture.entryIDs[0])
            #expect(try await Self.draftStep(fixture, caseID: claimed)["state"] == .string("draft"))
            // A bank without the label, or a person's draft, is never approved by itself.
            let unverified = try await fixture.service.banks.createBank(NewBank(name: "UNVERIFIED", labels: ["A1"]))
            let plain = try await Self.matchedCase(fixture, bank: unverified.name, image: 2)
            #expect(try await Self.draftStep(fixture, caseID: plain)["state"] == .string("draft"))
            let third = try await Self.matchedCase(fixture, bank: "TEST_BANK", image: 3)
            let byPerson = try await http.json(.post, "/v1/cases/\(third)/reports", key: fixture.reviewer, "{}")
            #expect(byPerson.json["state"] as? String == "draft")
            // The drafted step run again returns the same report.
            #expect(try await Self.draftStep(fixture, caseID: second)["created"] == .bool(false))
            try await setup.runJobs()
            let reportID = try #require(approved["report_id"]?.integer)
            let shown = try await setup.report(http, reportID)
            #expect(shown["state"] as? String == "finished" && shown["approved_by"] as? String == ReportService.autoApprover)
            #expect(setup.mock.reports.filter { $0.state == .finished }.count == 1)
        }
    }
}
