import Banks
import ContentHashing
import Foundation
import HummingbirdTesting
import Jobs
import Logging
import NCMECMock
import Storage
import Testing
import VigilTestSupport
@testable import VigilServer

/// Feedback to the lists (issue 31 §2): a reviewer's decision on a match from NCMEC's hash
/// sharing goes back to NCMEC as a vote — up for confirmed, down with the list's reason for a
/// false positive — as a `bank.feedback` job, exactly once per decision, retried when the list is
/// down, visible per bank; never for a source that has not turned it on.
@Suite struct ListFeedbackTests {
    @Test(arguments: Backend.allCases)
    func eachDecisionReachesTheListOnce(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        let mock = HashSharingMock()
        let running = try await mock.start()
        let first = try ContentHasher().signals(of: Images.demo(2)), second = try ContentHasher().signals(of: Images.demo(3))
        let old = fixture.clock.now.addingTimeInterval(-3600)
        mock.put(.init(id: "img1", timestamp: old, md5: first.md5, pdq: first.pdq.hex))
        mock.put(.init(id: "img2", timestamp: old, pdq: second.pdq.hex))
        let credential = try await fixture.service.credentials.create(
            integration: "ncmec_hash_sharing",
            values: ["nickname": "mock", "username": mock.username, "password": mock.password, "endpoint": running.base], mayRedirect: true)
        try await fixture.test { http in
            for name in ["NCMEC", "NCMEC_QUIET"] {
                #expect(try await http.json(.post, "/v1/banks", key: fixture.curator, #"{"name":"\#(name)"}"#).status == 201)
            }
            let set = try await http.json(.put, "/v1/banks/NCMEC/source", key: fixture.admin,
                                          #"{"kind":"ncmec","credential":"\#(credential.id)","send_feedback":true,"feedback_reason":"Not CSAM"}"#)
            #expect(set.status == 200 && set.json["send_feedback"] as? Bool == true && set.json["feedback_reason"] as? String == "Not CSAM", "\(set.text)")
            let quiet = try await http.json(.put, "/v1/banks/NCMEC_QUIET/source", key: fixture.admin, #"{"kind":"ncmec","credential":"\#(credential.id)"}"#)
            #expect(quiet.json["send_feedback"] as? Bool == false, "feedback is off unless an admin turns it on: \(quiet.text)")
            for name in ["NCMEC", "NCMEC_QUIET"] { _ = try await fixture.service.bankSync.requestSync(bank: name) }
            try await fixture.runJobs()

            func entry(_ bank: String, _ id: String) async throws -> Int {
                let listed = try await http.call(.get, "/v1/banks/\(bank)/entries", key: fixture.curator)
                let rows = try #require(listed.json["entries"] as? [[String: Any]], "\(listed.text)")
                return try #require(rows.first { $0["external_id"] as? String == "ncmec:42:\(id)" }?["id"] as? Int, "\(listed.text.prefix(300))")
            }
            func decide(evidence: String, _ decision: String) async throws {
                let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"match","evidence":[\#(evidence)]}"#)
                let id = try #require(opened.json["id"] as? Int, "\(opened.text)")
                let decided = try await http.json(.post, "/v1/cases/\(id)/decisions", key: fixture.reviewer, #"{"decision":"\#(decision)","version":1}"#)
                #expect(decided.status == 200, "\(decided.text)")
            }
            func votes(_ bank: String) async throws -> [[String: Any]] {
                let shown = try await http.call(.get, "/v1/banks/\(bank)/votes", key: fixture.curator)
                return try #require(shown.json["votes"] as? [[String: Any]], "\(shown.text)")
            }
            let md5 = try #require(first.md5)
            // Confirmed, matched by MD5 in the bank that sends feedback and in the one that does not.
            try await decide(evidence: #"{"bank":"NCMEC","entry_id":\#(try await entry("NCMEC", "img1")),"md5":"\#(md5)"},"#
                             + #"{"bank":"NCMEC_QUIET","entry_id":\#(try await entry("NCMEC_QUIET", "img1")),"md5":"\#(md5)"}"#, "confirm")
            try await fixture.runJobs()
            #expect(mock.votesReceived == [.init(member: "42", id: "img1", fingerprint: "MD5", affirmative: true, reasons: [])])

            // A false positive by PDQ while the list is down: retried, then sent once with the reason asked for.
            mock.refuseVotes(1)
            try await decide(evidence: #"{"bank":"NCMEC","entry_id":\#(try await entry("NCMEC", "img2")),"distance":4}"#, "false_positive")
            try await fixture.runJobs()
            #expect(mock.votesReceived.count == 1)
            let waiting = try await votes("NCMEC")
            #expect(waiting.first?["state"] as? String == "queued" && (waiting.first?["last_error"] as? String)?.contains("503") == true, "\(waiting)")
            // An hour later, past the job's backoff.
            let later = JobWorker(store: SQLJobStore(database: fixture.database), handlers: fixture.assembled.jobHandlers,
                                  clock: { Date().addingTimeInterval(3600) }, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            while try await later.runNext() {}
            let notCSAM = try #require(HashSharingMock.reasons.first { $0.name == "Not CSAM" }?.guid)
            #expect(mock.votesReceived.last == .init(member: "42", id: "img2", fingerprint: "PDQ", affirmative: false, reasons: [notCSAM]))
            while try await later.runNext() {}
            try await fixture.runJobs()
            #expect(mock.votesReceived.count == 2, "one vote per decision, however often the jobs run")
            let shown = try await votes("NCMEC")
            #expect(shown.map { $0["state"] as? String } == ["sent", "sent"] && shown.map { $0["vote"] as? String } == ["down", "up"], "\(shown)")
            #expect(shown.first?["attempts"] as? Int == 2 && shown.first?["last_error"] == nil, "\(shown)")
            #expect(try await votes("NCMEC_QUIET").isEmpty)

            // Without a reason named, the list's several reasons are not guessed among: the vote fails, saying which to choose.
            #expect(try await http.json(.put, "/v1/banks/NCMEC/source", key: fixture.admin,
                                        #"{"kind":"ncmec","credential":"\#(credential.id)","send_feedback":true}"#).status == 200)
            try await decide(evidence: #"{"bank":"NCMEC","entry_id":\#(try await entry("NCMEC", "img2")),"distance":2}"#, "false_positive")
            try await fixture.runJobs()
            let refused = try #require(try await votes("NCMEC").first)
            #expect(refused["state"] as? String == "failed" && (refused["last_error"] as? String)?.contains("Not CSAM, Wrong classification") == true,
                    "\(refused)")
            #expect(mock.votesReceived.count == 2)
            let failedJobs = try await fixture.service.jobs.list(kinds: ["bank.feedback"], states: [.failed], limit: 10)
            #expect(failedJobs.count == 1 && failedJobs.first?.error?.contains("feedback_reason") == true)
        }
        await running.stop()
    }
}
