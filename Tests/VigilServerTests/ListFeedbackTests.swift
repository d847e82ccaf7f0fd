import Banks
import Cases
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
                let rows = listed.json["entries"] as? [[String: Any]] ?? []
                let found = rows.first { $0["external_id"] as? String == "ncmec:42:\(id)" }?["id"] as? Int
                #expect(found != nil, "\(listed.text.prefix(300))")
                return found ?? 0
            }
            /// A case as a workflow opens it for matches it made, with the image it hashed and kept
            /// (`image`) or without (nil), decided by a reviewer.
            func decide(_ evidence: [(bank: String, entry: Int, md5: String?, pdq: String?)], _ decision: String, image: [UInt8]? = nil) async throws {
                var items: [NewEvidence] = []
                for item in evidence {
                    var signals = EvidenceSignals(pdq: item.pdq, md5: item.md5)
                    var kept: String?
                    if let image {
                        let hashed = try ContentHasher().signals(of: image)
                        kept = try await fixture.service.media.keep(image, sha256: hashed.sha256, contentType: "image/jpeg").sha256
                        signals = EvidenceSignals(pdq: item.pdq ?? hashed.pdq.hex, md5: item.md5, sha256: hashed.sha256)
                    }
                    items.append(NewEvidence(match: EvidenceMatch(provider: "vigil", bank: item.bank, entryID: Int64(item.entry)), signals: signals,
                                             mediaSHA256: kept))
                }
                let opened = try await fixture.service.cases.open(NewCase(title: "match", evidence: items), actor: "workflow:screen-uploads")
                let decided = try await http.json(.post, "/v1/cases/\(opened.case.id)/decisions", key: fixture.reviewer, #"{"decision":"\#(decision)","version":1}"#)
                #expect(decided.status == 200, "\(decided.text)")
            }
            func votes(_ bank: String) async throws -> [[String: Any]] {
                let shown = try await http.call(.get, "/v1/banks/\(bank)/votes", key: fixture.admin)
                let votes = shown.json["votes"] as? [[String: Any]]
                #expect(votes != nil, "\(shown.text)")
                return votes ?? []
            }
            let md5 = first.md5
            // Confirmed, matched by MD5 in the bank that sends feedback and in the one that does not.
            // Without the image a person saw, nothing goes to the list (the verdict still counts here).
            try await decide([("NCMEC", try await entry("NCMEC", "img1"), md5, nil)], "confirm")
            try await fixture.runJobs()
            #expect(mock.votesReceived.isEmpty)
            try await decide([("NCMEC", try await entry("NCMEC", "img1"), md5, nil), ("NCMEC_QUIET", try await entry("NCMEC_QUIET", "img1"), md5, nil)],
                             "confirm", image: try Images.demo(2))
            try await fixture.runJobs()
            #expect(mock.votesReceived == [.init(member: "42", id: "img1", fingerprint: "MD5", affirmative: true, reasons: [])])

            // A false positive on a near PDQ says nothing of the list's own image: no vote.
            let near = second.pdq.flippingBit(3).flippingBit(77).hex
            try await decide([("NCMEC", try await entry("NCMEC", "img2"), nil, near)], "false_positive", image: try Images.demo(3))
            try await fixture.runJobs()
            let afterNear = try await votes("NCMEC")
            #expect(mock.votesReceived.count == 1 && afterNear.count == 1)
            // An exact one, while the list is down: tried again, then sent once with the reason asked for.
            // (The service's clock brought to now: the job comes back a minute after it, not at once.)
            fixture.clock.advance(by: max(0, Date().timeIntervalSince(fixture.clock.now)))
            mock.refuseVotes(1)
            try await decide([("NCMEC", try await entry("NCMEC", "img2"), nil, second.pdq.hex)], "false_positive", image: try Images.demo(3))
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
            try await decide([("NCMEC", try await entry("NCMEC", "img2"), nil, second.pdq.hex)], "false_positive", image: try Images.demo(3))
            try await fixture.runJobs()
            let refused = try #require(try await votes("NCMEC").first)
            #expect(refused["state"] as? String == "failed" && (refused["last_error"] as? String)?.contains("Not CSAM, Wrong classification") == true,
                    "\(refused)")
            #expect(mock.votesReceived.count == 2)
            let failedJobs = try await fixture.service.jobs.list(kinds: ["bank.feedback"], states: [.failed], limit: 10)
            #expect(failedJobs.count == 1 && failedJobs.first?.error?.contains("feedback_reason") == true)
            // Put right, the failed vote is sent again on an admin's word (audited).
            #expect(try await http.json(.put, "/v1/banks/NCMEC/source", key: fixture.admin,
                                        #"{"kind":"ncmec","credential":"\#(credential.id)","send_feedback":true,"feedback_reason":"Not CSAM"}"#).status == 200)
            #expect(try await http.call(.post, "/v1/banks/NCMEC/votes/retry", key: fixture.curator).status == 403)
            let retried = try await http.call(.post, "/v1/banks/NCMEC/votes/retry", key: fixture.admin)
            #expect(retried.status == 202 && retried.json["queued_decisions"] as? Int == 1, "\(retried.text)")
            try await fixture.runJobs()
            let resent = try await votes("NCMEC")
            #expect(mock.votesReceived.count == 3 && resent.first?["state"] as? String == "sent", "\(resent)")
            // A case decided one way, reopened and decided the other: the list is told the latest.
            let opened = try await fixture.service.cases.open(NewCase(title: "again", evidence: [
                NewEvidence(match: EvidenceMatch(provider: "vigil", bank: "NCMEC", entryID: Int64(try await entry("NCMEC", "img1"))),
                            signals: EvidenceSignals(pdq: first.pdq.hex, md5: md5, sha256: first.sha256), mediaSHA256: first.sha256)]),
                                                              actor: "workflow:screen-uploads")
            for (version, decision) in [(1, "confirm"), (2, "reopen"), (3, "false_positive")] {
                let answer = try await http.json(.post, "/v1/cases/\(opened.case.id)/decisions", key: fixture.reviewer,
                                                 #"{"decision":"\#(decision)","version":\#(version)}"#)
                #expect(answer.status == 200, "\(answer.text)")
            }
            try await fixture.runJobs()
            #expect(mock.votesReceived.last == .init(member: "42", id: "img1", fingerprint: "MD5", affirmative: false, reasons: [notCSAM]),
                    "\(mock.votesReceived)")
            let latest = try await votes("NCMEC").filter { $0["case_id"] as? Int == Int(opened.case.id) }
            #expect(latest.count == 1 && latest.first?["vote"] as? String == "down" && latest.first?["state"] as? String == "sent", "\(latest)")
            // Votes name cases and verdicts: for those who may read cases.
            #expect(try await http.call(.get, "/v1/banks/NCMEC/votes", key: fixture.matcher).status == 403)
        }
        await running.stop()
    }
}
