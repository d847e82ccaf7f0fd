import Foundation
import HummingbirdTesting
import NCMECMock
import Reports
import Testing
import VigilServer
import VigilTestSupport

/// What happens when a call's answer is lost (a crash, a timeout) before or after NCMEC acted
/// on it, and when NCMEC answers each class of error: the report NCMEC keeps is always one,
/// finished, with every file exactly once.
@Suite struct ReportRecoveryTests {
    typealias Flow = ReportFlowTests

    static func history(_ report: [String: Any]) -> [[String: Any]] { report["history"] as? [[String: Any]] ?? [] }
    static func kinds(_ report: [String: Any]) -> [String] { history(report).compactMap { $0["kind"] as? String } }

    /// How long the client waits for an answer here: a trapped call costs this much, and every
    /// other call must answer within it even with the whole suite running (at 1 s, one did not).
    static let callTimeout: Duration = .seconds(3)

    /// The mock holds one call (before or after it takes effect) until the client gives up,
    /// which is what a crash mid-call leaves: a call committed as under way, its outcome unknown.
    @Test(arguments: ["submit", "upload", "fileinfo", "finish"], [false, true])
    func aLostAnswerIsRecoveredWithoutASecondReportOrFile(endpoint: String, afterEffect: Bool) async throws {
        try await Flow.scenario(files: 2, timeout: Self.callTimeout, prepare: { $0.setTrap(.init(endpoint: endpoint, afterEffect: afterEffect)) }) { setup, http, id in
            let label: Comment = "\(endpoint), \(afterEffect ? "after" : "before") NCMEC acted"
            #expect(setup.mock.trapped == [endpoint], label)
            let report = try await setup.report(http, id)
            #expect(report["state"] as? String == "finished", label)
            #expect(Self.kinds(report).contains("recovered"), label)
            let kept = try Flow.expectOneCleanReport(setup.mock, files: 2, label)
            let others = setup.mock.reports.filter { $0.id != kept.id }
            switch endpoint {
            case "upload", "fileinfo":
                // The report that may hold a file twice, or lack its details, was retracted.
                #expect(others.count == 1 && others.allSatisfy { $0.state == .retracted }, label)
            case "submit":
                // If the lost submission arrived, it stays unfinished and NCMEC deletes it.
                #expect(others.count == (afterEffect ? 1 : 0) && others.allSatisfy { $0.state == .open }, label)
            default:
                #expect(others.isEmpty, label)
                // The finish is made again; after NCMEC acted, it answers 5102 and nothing is re-sent.
                #expect(setup.mock.calls("finish") == 2 && setup.mock.calls("submit") == 1, label)
            }
        }
    }

    /// A call that always loses its answer does not start the report afresh for ever: after three
    /// fresh starts it waits for a person, and every report it left at NCMEC is retracted.
    @Test func answersLostOverAndOverStopTheReport() async throws {
        try await Flow.scenario(files: 1, timeout: Self.callTimeout, prepare: { $0.setTrap(.init(endpoint: "upload", afterEffect: true, times: 20)) }) { setup, http, id in
            let report = try await setup.report(http, id)
            #expect(report["state"] as? String == "failed")
            let problem = try #require(report["problem"] as? [String: Any])
            #expect(problem["kind"] as? String == "unavailable" && (problem["message"] as? String)?.contains("afresh 4 times") == true, "\(problem)")
            #expect(setup.mock.trapped.count == 4 && setup.mock.calls("submit") == 4)
            #expect(!setup.mock.reports.contains { $0.state == .finished })
            #expect(setup.mock.reports.filter { $0.state == .retracted }.count == 3, "each abandoned report retracted before the next")
        }
    }

    /// A CyberTipline that cannot be reached at all: nothing reached NCMEC, so the same call is
    /// tried again (no recovery, no fresh start) until the report waits for a person; a retry
    /// once it is back finishes it.
    @Test func anUnreachableCyberTiplineIsRetriedThenWaits() async throws {
        // AsyncHTTPClient tries to connect until the deadline: each attempt takes the timeout.
        let fixture = try await ServerFixture(cyberTiplineTimeout: .seconds(1))
        try await fixture.test { http in
            let setup = try await Flow.setUp(http, fixture)
            let (caseID, _) = try await Flow.caseWithFiles(fixture, http, files: 1)
            let port = setup.running.port
            await setup.running.stop()
            let id = try await Flow.approvedReport(setup, http, caseID: caseID)
            try await setup.runJobs()
            let report = try await setup.report(http, id)
            #expect(report["state"] as? String == "failed")
            #expect((report["problem"] as? [String: Any])?["kind"] as? String == "unavailable")
            let errors = Self.history(report).compactMap { ($0["detail"] as? [String: Any])?["error"] as? String }
            #expect(errors.count == 8 && errors.allSatisfy { $0.contains("was not reached") }, "\(errors)")
            #expect(!Self.kinds(report).contains("recovered"))
            #expect((report["ncmec"] as? [String: Any])?["pending_call"] == nil, "no call left under way")
            // Back on the same port: a retry finishes it.
            let again = try await setup.mock.start(port: port)
            defer { Task { await again.stop() } }
            #expect(try await http.call(.post, "/v1/reports/\(id)/retry", key: fixture.reporter).status == 202)
            try await setup.runJobs()
            #expect(try await setup.report(http, id)["state"] as? String == "finished")
            _ = try Flow.expectOneCleanReport(setup.mock, files: 1)
        }
    }

    @Test func passingFailuresAreRetriedWithBackoff() async throws {
        try await Flow.scenario(files: 1, prepare: { mock in
            mock.fail("upload", code: 1110, count: 2)
            mock.fail("submit", code: 1000, httpStatus: 500)
        }) { setup, http, id in
            let report = try await setup.report(http, id)
            #expect(report["state"] as? String == "finished")
            let codes = Self.history(report).filter { $0["kind"] as? String == "call" }.compactMap { ($0["detail"] as? [String: Any])?["code"] as? Int }
            #expect(codes == [1000, 0, 1110, 1110, 0, 0, 0])
            _ = try Flow.expectOneCleanReport(setup.mock, files: 1)
        }
    }

    @Test func refusedContentWaitsForAnEditAndIsSentAfresh() async throws {
        try await Flow.scenario(files: 1, prepare: { $0.fail("fileinfo", code: 4100, httpStatus: 400) }) { setup, http, id in
            let fixture = setup.fixture
            var report = try await setup.report(http, id)
            #expect(report["state"] as? String == "failed")
            let problem = try #require(report["problem"] as? [String: Any])
            #expect(problem["kind"] as? String == "fix" && problem["code"] as? Int == 4100)
            #expect((problem["message"] as? String)?.contains("4100") == true)
            // An edit makes it a draft again; once approved, NCMEC's half-made report is retracted first.
            let version = try #require(report["version"] as? Int)
            let edited = try await http.json(.patch, "/v1/reports/\(id)", key: fixture.reviewer, #"{"version": \#(version), "additional_info": "corrected"}"#)
            #expect(edited.json["state"] as? String == "draft", "\(edited.text)")
            #expect(try await http.json(.post, "/v1/reports/\(id)/approve", key: fixture.reporter, "{}").status == 202)
            try await setup.runJobs()
            report = try await setup.report(http, id)
            #expect(report["state"] as? String == "finished")
            let kept = try Flow.expectOneCleanReport(setup.mock, files: 1)
            #expect(kept.xml.contains("<additionalInfo>corrected</additionalInfo>"))
            #expect(setup.mock.reports.filter { $0.state == .retracted }.count == 1)
        }
    }

    @Test func aRefusedCredentialStopsTheReportUntilARetry() async throws {
        try await Flow.scenario(files: 1, prepare: { $0.fail("submit", code: 3100) }) { setup, http, id in
            var report = try await setup.report(http, id)
            #expect(report["state"] as? String == "failed")
            #expect((report["problem"] as? [String: Any])?["kind"] as? String == "give_up")
            #expect(setup.mock.reports.isEmpty)
            #expect(try await http.call(.post, "/v1/reports/\(id)/retry", key: setup.fixture.reviewer).status == 403)
            #expect(try await http.call(.post, "/v1/reports/\(id)/retry", key: setup.fixture.reporter).status == 202)
            try await setup.runJobs()
            report = try await setup.report(http, id)
            #expect(report["state"] as? String == "finished")
            _ = try Flow.expectOneCleanReport(setup.mock, files: 1)
        }
    }

    @Test func aReportNCMECNoLongerHasIsSubmittedAfresh() async throws {
        try await Flow.scenario(files: 1, prepare: { $0.fail("finish", code: 5001, httpStatus: 400) }) { setup, http, id in
            let report = try await setup.report(http, id)
            #expect(report["state"] as? String == "finished")
            #expect(Self.kinds(report).contains("recreated"))
            #expect(setup.mock.calls("submit") == 2)
            _ = try Flow.expectOneCleanReport(setup.mock, files: 1)
        }
    }

    /// An unfinished report left past NCMEC's deadline (a day after it was opened, or an hour
    /// after its last change) is deleted there; Vigil starts it afresh without calling on the dead one.
    @Test func anExpiredUnfinishedReportIsRecreatedCleanly() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await Flow.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let (caseID, _) = try await Flow.caseWithFiles(fixture, http, files: 2)
            let id = try await Flow.approvedReport(setup, http, caseID: caseID)
            // Submit and the first upload, then the process is gone for a day.
            #expect(try await fixture.worker.runNext(now: fixture.clock.now))
            #expect(try await fixture.worker.runNext(now: fixture.clock.now))
            #expect(try await setup.report(http, id)["state"] as? String == "submitted")
            setup.mock.advanceClock(by: 25 * 3600)
            fixture.clock.advance(by: 25 * 3600)
            try await setup.runJobs()
            let report = try await setup.report(http, id)
            #expect(report["state"] as? String == "finished")
            #expect(Self.kinds(report).contains("expired"))
            #expect(setup.mock.reports.count == 1, "the expired one is gone at NCMEC")
            _ = try Flow.expectOneCleanReport(setup.mock, files: 2)
        }
    }

    @Test func aReportIsRetractedUntilItIsFinished() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await Flow.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let (caseID, _) = try await Flow.caseWithFiles(fixture, http, files: 2)
            let id = try await Flow.approvedReport(setup, http, caseID: caseID)
            #expect(try await fixture.worker.runNext(now: fixture.clock.now))
            #expect(try await http.json(.post, "/v1/reports/\(id)/retract", key: fixture.reporter, "{}").status == 400, "a reason is required")
            let retracting = try await http.json(.post, "/v1/reports/\(id)/retract", key: fixture.reporter, #"{"reason": "wrong case"}"#)
            #expect(retracting.status == 202 && retracting.json["state"] as? String == "retracting", "\(retracting.text)")
            try await setup.runJobs()
            let report = try await setup.report(http, id)
            #expect(report["state"] as? String == "retracted")
            #expect(setup.mock.reports.count == 1 && setup.mock.reports.allSatisfy { $0.state == .retracted })
            #expect(setup.mock.calls("upload") == 0 && setup.mock.calls("finish") == 0)
            // The case keeps no "reported" mark; a new report may be drafted.
            let again = try await http.json(.post, "/v1/cases/\(caseID)/reports", key: fixture.reviewer, "{}")
            #expect(again.status == 201 && again.json["id"] as? Int != id)
            // A draft is withdrawn at once, with no call to NCMEC.
            let newID = try #require(again.json["id"] as? Int)
            let withdrawn = try await http.json(.post, "/v1/reports/\(newID)/retract", key: fixture.reporter, #"{"reason": "duplicate"}"#)
            #expect(withdrawn.json["state"] as? String == "retracted")
            #expect(setup.mock.calls("submit") == 1)
        }
    }

    @Test func theCredentialTestCallsStatus() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let setup = try await Flow.setUp(http, fixture)
            defer { Task { await setup.running.stop() } }
            let tested = try await http.call(.post, "/v1/credentials/\(setup.credentialID)/test", key: fixture.admin)
            #expect(tested.json["ok"] as? Bool == true, "\(tested.text)")
            #expect((tested.json["summary"] as? String)?.contains("esp-user") == true)
            let wrong = try await http.json(.post, "/v1/credentials", key: fixture.admin, #"""
                {"integration": "ncmec_cybertipline", "values": {"nickname": "bad", "username": "esp-user", "password": "nope", "endpoint": "\#(setup.running.base)"}}
                """#)
            let wrongID = try #require(wrong.json["id"] as? String)
            let refused = try await http.call(.post, "/v1/credentials/\(wrongID)/test", key: fixture.admin)
            #expect(refused.json["ok"] as? Bool == false)
            #expect((refused.json["summary"] as? String)?.contains("refused") == true, "\(refused.text)")
        }
    }
}
