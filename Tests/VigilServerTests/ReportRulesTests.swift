import Cases
import Foundation
import HummingbirdTesting
import NCMECMock
import Testing
import VigilTestSupport
import Workflows

/// What a report says is what happened, and only reports that should go, go: a false positive
/// is never reported, `fileViewedByEsp` is asked of the reveal audit when the file's details are
/// written, and what the settings say is taken at approval.
@Suite struct ReportRulesTests {
    typealias Setup = ReportFlowTests.Setup

    @Test func aFalsePositiveWithdrawsTheDraftAndItsReportCannotBeApproved() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await ReportFlowTests.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let (caseID, _) = try await ReportFlowTests.caseWithFiles(fixture, http, files: 1)
            let drafted = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, "{}")
            let reportID = try #require(drafted.json["id"] as? Int, "\(drafted.text)")

            let dismissed = try await http.decide(caseID, #"{"decision":"false_positive"}"#, key: fixture.reviewer)
            #expect(dismissed.status == 200, "\(dismissed.text)")
            let withdrawn = try #require((dismissed.json["timeline"] as? [[String: Any]])?.last { $0["kind"] as? String == "report_withdrawn" })
            #expect((withdrawn["detail"] as? [String: Any])?["report_id"] as? Int == reportID)
            let report = try await setup.report(http, reportID)
            #expect(report["state"] as? String == "retracted")
            let line = (report["history"] as? [[String: Any]])?.first { $0["kind"] as? String == "retract_requested" }
            #expect(((line?["detail"] as? [String: Any])?["reason"] as? String)?.contains("false positive") == true)

            // Approving it anyway is refused, saying why; drafting another is refused too.
            let approve = try await http.json(.post, "/v1/reports/\(reportID)/approve", key: fixture.reporter,
                                              #"{"version":\#(try #require(report["version"] as? Int))}"#)
            #expect(approve.status == 409 && approve.errorMessage?.contains("false positive") == true, "\(approve.text)")
            let redraft = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, "{}")
            #expect(redraft.status == 409, "\(redraft.text)")
            try await setup.runJobs()
            #expect(setup.mock.reports.isEmpty, "nothing reached NCMEC")
        }
    }

    /// A report approved before the decision is retracted at NCMEC by it: withdrawn by the
    /// decision, or (the decision committed, and its process died before it withdrew the report)
    /// by the report's own next call, which sees the false positive.
    @Test(arguments: [true, false])
    func aFalsePositiveAfterApprovalRetractsTheReport(withdrawnByTheDecision: Bool) async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await ReportFlowTests.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let (caseID, _) = try await ReportFlowTests.caseWithFiles(fixture, http, files: 1)
            let reportID = try await ReportFlowTests.approvedReport(setup, http, caseID: caseID)
            if withdrawnByTheDecision {
                #expect(try await http.decide(caseID, #"{"decision":"false_positive"}"#, key: fixture.reviewer).status == 200)
            } else {
                let current = try await fixture.service.cases.detail(Int64(caseID)).case
                _ = try await fixture.service.cases.decide(Int64(caseID), DecisionRequest(decision: .falsePositive(addToAllowBank: nil),
                                                                                         expectedVersion: current.version, actor: "test"))
            }
            try await setup.runJobs()
            let report = try await setup.report(http, reportID)
            #expect(report["state"] as? String == "retracted", "\(report)")
            #expect(setup.mock.reports.allSatisfy { $0.state != .finished })
        }
    }

    @Test func aRevealAfterTheDraftIsSentAsViewed() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await ReportFlowTests.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let (caseID, shas) = try await ReportFlowTests.caseWithFiles(fixture, http, files: 2)
            let drafted = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, "{}")
            let reportID = try #require(drafted.json["id"] as? Int)
            #expect((drafted.json["files"] as? [[String: Any]])?.map { $0["viewed_by_esp"] as? Bool } == [false, false])
            // A reviewer looks at the second file after the draft was made.
            #expect(try await http.call(.post, "/v1/media/\(shas[1])/reveal?case_id=\(caseID)", key: fixture.reviewer).status == 200)
            let shown = try await setup.report(http, reportID)
            #expect((shown["files"] as? [[String: Any]])?.map { $0["viewed_by_esp"] as? Bool } == [false, true])
            let approved = try await http.json(.post, "/v1/reports/\(reportID)/approve", key: fixture.reporter,
                                               #"{"version":\#(try #require(shown["version"] as? Int))}"#)
            #expect(approved.status == 202, "\(approved.text)")
            try await setup.runJobs()
            let kept = try ReportFlowTests.expectOneCleanReport(setup.mock, files: 2)
            let details = kept.files.compactMap(\.details)
            #expect(details.filter { $0.contains("<fileViewedByEsp>true</fileViewedByEsp>") }.count == 1)
            #expect(details.filter { $0.contains("<fileViewedByEsp>false</fileViewedByEsp>") }.count == 1)
        }
    }

    @Test func aDraftMadeBeforeTheSettingsTakesThemAtApproval() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let mock = try CyberTiplineMock()
            let running = try await mock.start()
            defer { Task { await running.stop() } }
            let (caseID, _) = try await ReportFlowTests.caseWithFiles(fixture, http, files: 1)
            let drafted = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, "{}")
            let reportID = try #require(drafted.json["id"] as? Int)
            // No settings yet: the report and the list say the same thing keeps it from going.
            let problems = try #require(drafted.json["problems"] as? [String])
            #expect(problems.contains { $0.contains("no email") }, "\(problems)")
            let listed = try await http.call(.get, "/v1/reports", key: fixture.reporter)
            #expect((listed.json["reports"] as? [[String: Any]])?.first?["problems"] as? [String] == problems, "\(listed.text)")

            // The organisation sets its details (and its credential) afterwards: no PATCH is needed.
            #expect(try await http.json(.post, "/v1/credentials", key: fixture.admin, #"""
                {"integration": "ncmec_cybertipline", "values": {"nickname": "mock", "username": "esp-user", "password": "esp-password",
                 "endpoint": "\#(running.base)"}}
                """#).status == 201)
            #expect(try await http.json(.put, "/v1/report-settings", key: fixture.admin, #"""
                {"esp_service": "LateApp", "reporter": {"first_name": "Riley", "email": "late@example.com"}}
                """#).status == 200)
            let now = try await http.call(.get, "/v1/reports/\(reportID)", key: fixture.reporter)
            #expect((now.json["problems"] as? [String])?.isEmpty == true, "\(now.text)")
            #expect((try await http.call(.get, "/v1/reports", key: fixture.reporter).json["reports"] as? [[String: Any]])?.first?["problems"] as? [String] == [])
            let approved = try await http.json(.post, "/v1/reports/\(reportID)/approve", key: fixture.reporter,
                                               #"{"version":\#(try #require(now.json["version"] as? Int))}"#)
            #expect(approved.status == 202, "\(approved.text)")
            var runs = 0
            while try await fixture.worker.runNext(now: fixture.clock.now.addingTimeInterval(3600)), runs < 100 { runs += 1 }
            let kept = try ReportFlowTests.expectOneCleanReport(mock, files: 1)
            #expect(kept.xml.contains("<email>late@example.com</email>") && kept.xml.contains("<espService>LateApp</espService>"), "\(kept.xml)")
            let history = try await http.call(.get, "/v1/reports/\(reportID)", key: fixture.reporter).json["history"] as? [[String: Any]]
            let approval = (history?.first { $0["kind"] as? String == "approved" }?["detail"] as? [String: Any])?["filled_from_settings"] as? [String]
            #expect(approval?.contains("reporter.email") == true && approval?.contains("reported_people[0].esp_service") == true, "\(approval ?? [])")
        }
    }

    /// A provider's classification is only a classification: a "verified" among a step's
    /// violations does not make a report approve itself (only a bank's own label does).
    @Test func violationsFromAStepNeverAutoApprove() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test { http in
            let setup = try await ReportFlowTests.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            #expect(try await http.json(.put, "/v1/report-settings", key: fixture.admin, #"""
                {"esp_service": "ExampleApp", "reporter": {"email": "trust-safety@example.com"}, "auto_approve_verified": true}
                """#).status == 200)
            let definition = WorkflowDefinition(name: "forged", trigger: .api([Parameter(name: "image_url", type: "url", required: true)]), steps: [
                StepDefinition(id: "open_case", type: "action", action: "case.create", inputs: [
                    "title": "forged", "provider": "photodna", "image_url": "{{ trigger.image_url }}",
                    "matches": [["source": "PhotoDNA", "violations": ["A1", "verified"], "match_id": "1", "distance": 0]]]),
                StepDefinition(id: "draft", type: "action", action: "report.draft", inputs: ["case_id": "{{ steps.open_case.output.case_id }}"]),
            ])
            let id = try await WorkflowAPITests.publish(definition, http, admin: fixture.admin)
            let started = try await WorkflowAPITests.start(id, #"{"image_url":"\#(origin.url("/demo-0.jpg"))"}"#, key: fixture.analyst, http)
            try await fixture.runJobs()
            let run = try await http.call(.get, "/v1/workflow-runs/\(try #require(started.json["id"] as? Int))", key: fixture.analyst)
            let reportID = try #require((WorkflowAPITests.steps(run)["draft"]?["output"] as? [String: Any])?["report_id"] as? Int, "\(run.text)")
            let report = try await setup.report(http, reportID)
            #expect(report["state"] as? String == "draft" && report["approved_by"] == nil, "\(report)")
            #expect((report["files"] as? [[String: Any]])?.first?["classification"] as? String == "A1")
            try await setup.runJobs()
            #expect(setup.mock.reports.isEmpty)
        }
        try await origin.stop()
    }

    /// A report drafted from a PhotoDNA match takes its classification from PhotoDNA's `Violations`.
    @Test func aPhotoDNAMatchIsClassifiedByItsViolations() async throws {
        let fixture = try await ServerFixture()
        let origin = try await OriginServer.start()
        try await fixture.test(.live) { http in
            // "PhotoDNA" is this Vigil's own endpoint: its Violations are TEST_BANK's category, A1.
            let run = try await WorkflowAPITests.runTemplateOnOwnPhotoDNA(fixture, http, image: origin.url("/demo-0.jpg"))
            let steps = WorkflowAPITests.steps(run)
            #expect(((steps["lookup"]?["output"] as? [String: Any])?["matches"] as? [[String: Any]])?.first?["violations"] as? [String] == ["A1"])
            let reportID = try #require((steps["draft_report"]?["output"] as? [String: Any])?["report_id"] as? Int, "\(run.text)")
            let report = try await http.call(.get, "/v1/reports/\(reportID)", key: fixture.reporter)
            #expect((report.json["files"] as? [[String: Any]])?.first?["classification"] as? String == "A1", "\(report.text)")
        }
        try await origin.stop()
    }
}
