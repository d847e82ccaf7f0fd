import ContentHashing
import Foundation
import HummingbirdTesting
import PDQ
import Testing
import VigilTestSupport

/// Cases and accounts through the API: the lifecycle a reviewer goes through, concurrent
/// decisions, queues, false positives that never flag again, blocking, and the events each
/// change leaves in the event table.
@Suite struct CaseAPITests {
    static func evidence(_ index: Int, bank: String = "TEST_BANK") throws -> String {
        let signals = try ContentHasher().signals(of: Images.demo(index))
        return #"{"provider":"vigil","bank":"\#(bank)","entry_id":1,"distance":0,"variant":"original","pdq":"\#(signals.pdq.hex)","md5":"\#(signals.md5)"}"#
    }

    @Test func aCaseGoesFromOpenThroughReviewAndEscalationToConfirmed() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let account = try await http.json(.post, "/v1/accounts", key: fixture.reviewer, #"{"reference_id":"user-42","screen_name":"ana"}"#)
            #expect(account.status == 201)
            let accountID = try #require(account.json["id"] as? Int)
            let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, """
                {"title":"upload 991 matched","priority":"high","queue":"csam","account_ids":[\(accountID)],"evidence":[\(try Self.evidence(0))]}
                """)
            #expect(opened.status == 201, "\(opened.text)")
            let id = try #require(opened.json["id"] as? Int)
            #expect(opened.json["status"] as? String == "open" && opened.json["version"] as? Int == 1)
            #expect((opened.json["evidence"] as? [[String: Any]])?.first?["bank"] as? String == "TEST_BANK")
            #expect(opened.json["account_ids"] as? [Int] == [accountID])

            func decide(_ body: String, key: String? = nil) async throws -> Reply {
                try await http.json(.post, "/v1/cases/\(id)/decisions", key: key ?? fixture.reviewer, body)
            }
            #expect(try await decide(#"{"decision":"set_status","status":"in_review","version":1}"#).json["version"] as? Int == 2)
            #expect(try await decide(#"{"decision":"assign","assignee":"ana@trust.example","version":2}"#).json["assignee"] as? String == "ana@trust.example")
            let escalated = try await decide(#"{"decision":"escalate","note":"needs a second look","version":3}"#)
            #expect(escalated.json["status"] as? String == "escalated")
            #expect(try await http.json(.post, "/v1/cases/\(id)/comments", key: fixture.reviewer, #"{"text":"looks like the known series"}"#).status == 201)
            // A decision on a version that is no longer current is refused with the case as it is.
            let stale = try await decide(#"{"decision":"confirm","version":2}"#)
            #expect(stale.status == 409 && stale.errorCode == "conflict")
            let current = try #require((stale.json["error"] as? [String: Any])?["current"] as? [String: Any])
            #expect(current["status"] as? String == "escalated" && current["version"] as? Int == 5)
            // Bad decisions say what is wrong and change nothing.
            #expect(try await decide(#"{"decision":"approve"}"#).status == 400)
            #expect(try await decide(#"{"decision":"set_status","status":"open","version":5}"#).status == 400)
            #expect(try await decide(#"{"decision":"confirm","add_to_bank":"ALLOW_BANK","version":5}"#).status == 400)
            #expect(try await decide(#"{"decision":"confirm","add_to_bank":"NO_SUCH","version":5}"#).status == 404)
            // A decision must say which version it was made on.
            let unversioned = try await decide(#"{"decision":"confirm"}"#)
            #expect(unversioned.status == 422 && unversioned.errorMessage?.hasPrefix("version is required") == true)
            // Viewers read; they do not decide.
            #expect(try await decide(#"{"decision":"confirm"}"#, key: fixture.viewer).status == 403)
            #expect(try await http.call(.get, "/v1/cases/\(id)", key: fixture.viewer).status == 200)

            let confirmed = try await decide(#"{"decision":"confirm","version":5}"#)
            #expect(confirmed.status == 200 && confirmed.json["status"] as? String == "resolved_confirmed")
            #expect(confirmed.json["is_final"] as? Bool == true && confirmed.json["resolved_at"] is String)
            #expect(try await decide(#"{"decision":"false_positive","version":6}"#).status == 409)

            let detail = try await http.call(.get, "/v1/cases/\(id)", key: fixture.reviewer)
            let timeline = try #require(detail.json["timeline"] as? [[String: Any]])
            #expect(timeline.map { $0["kind"] as? String ?? "" } == ["created", "evidence", "account_linked", "decision", "decision", "decision", "comment", "decision"])
            #expect(timeline.allSatisfy { ($0["actor"] as? String)?.hasPrefix("key:") == true })

            // Every change is an event of the case's subject, in order.
            let events = try await http.call(.get, "/v1/events?types=case.*", key: fixture.viewer)
            let types = (events.json["events"] as? [[String: Any]] ?? []).filter { $0["subject"] as? String == "case:\(id)" }.map { $0["type"] as? String ?? "" }
            #expect(types == ["case.created", "case.status-updated", "case.assigned", "case.status-updated", "case.escalated", "case.commented",
                              "case.status-updated"])
            let linked = try await http.call(.get, "/v1/accounts/\(accountID)", key: fixture.reviewer)
            #expect(linked.json["case_ids"] as? [Int] == [id])
        }
    }

    @Test func twoReviewersDecidingAtOnceGetOneDecisionAndOneConflict() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            for round in 0..<5 {
                let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"race \#(round)"}"#)
                let id = try #require(opened.json["id"] as? Int)
                async let confirm = http.json(.post, "/v1/cases/\(id)/decisions", key: fixture.reviewer, #"{"decision":"confirm","version":1}"#)
                async let dismiss = http.json(.post, "/v1/cases/\(id)/decisions", key: fixture.admin, #"{"decision":"false_positive","version":1}"#)
                let replies = try await [confirm, dismiss]
                #expect(replies.map(\.status).sorted() == [200, 409], "round \(round): \(replies.map(\.text))")
                let winner = try #require(replies.first { $0.status == 200 })
                let loser = try #require(replies.first { $0.status == 409 })
                let current = (loser.json["error"] as? [String: Any])?["current"] as? [String: Any]
                #expect(current?["status"] as? String == winner.json["status"] as? String)
                let decisions = (try await http.call(.get, "/v1/cases/\(id)", key: fixture.reviewer).json["timeline"] as? [[String: Any]] ?? [])
                    .filter { $0["kind"] as? String == "decision" }
                #expect(decisions.count == 1)
            }
        }
    }

    @Test func aFalsePositiveAddedToTheAllowBankNeverFlagsAgain() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let before = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(1))
            #expect(before.json["is_match"] as? Bool == true)
            let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"demo 1","evidence":[\#(try Self.evidence(1))]}"#)
            let id = try #require(opened.json["id"] as? Int)
            let dismissed = try await http.decide(id, #"{"decision":"false_positive","add_to_allow_bank":"ALLOW_BANK"}"#, key: fixture.reviewer)
            #expect(dismissed.json["status"] as? String == "resolved_false_positive", "\(dismissed.text)")
            let after = try await http.call(.post, "/v1/match", key: fixture.matcher, contentType: "image/jpeg", body: try Images.demo(1))
            #expect(after.json["is_match"] as? Bool == false, "\(after.text)")
            #expect((after.json["suppressed"] as? [Any])?.isEmpty == false)
        }
    }

    @Test func queuesFilterAndCount() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            for (title, queue, priority) in [("a", "csam", "urgent"), ("b", "csam", "low"), ("c", "spam", "normal")] {
                #expect(try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"\#(title)","queue":"\#(queue)","priority":"\#(priority)"}"#).status == 201)
            }
            let csam = try await http.call(.get, "/v1/cases?queue=csam&priority=urgent,high", key: fixture.viewer)
            #expect((csam.json["cases"] as? [[String: Any]])?.map { $0["title"] as? String } == ["a"])
            let c = try #require((try await http.call(.get, "/v1/cases?queue=spam", key: fixture.viewer).json["cases"] as? [[String: Any]])?.first?["id"] as? Int)
            _ = try await http.decide(c, #"{"decision":"assign","assignee":"bo"}"#, key: fixture.reviewer)
            #expect((try await http.call(.get, "/v1/cases?assignee=bo", key: fixture.viewer).json["cases"] as? [Any])?.count == 1)
            #expect((try await http.call(.get, "/v1/cases?assignee=none", key: fixture.viewer).json["cases"] as? [Any])?.count == 2)
            #expect((try await http.call(.get, "/v1/cases?older_than_hours=1", key: fixture.viewer).json["cases"] as? [Any])?.count == 0)
            #expect(try await http.call(.get, "/v1/cases?priority=soon", key: fixture.viewer).status == 400)
            // A value the field does not take is named in words, never as Swift's type name.
            let p0 = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"d","queue":"csam","priority":"p0"}"#)
            #expect(p0.status == 400)
            #expect((p0.json["error"] as? [String: Any])?["message"] as? String == #""priority" has no value "p0""#, "\(p0.text)")
            let queues = try await http.call(.get, "/v1/case-queues", key: fixture.viewer).json["queues"] as? [[String: Any]]
            #expect(queues?.map { "\($0["queue"] ?? "")=\($0["open"] ?? "")/\($0["unassigned"] ?? "")" } == ["csam=2/2", "spam=1/0"])
        }
    }

    @Test func templatesDefineStatusesAndRequiredFields() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let template = """
                {"name":"grooming","statuses":[{"name":"new","kind":"initial"},{"name":"triage","kind":"intermediate"},{"name":"legal","kind":"intermediate"},
                 {"name":"actioned","kind":"final"},{"name":"dismissed","kind":"final"}],"required_fields":["platform_area"],
                 "confirmed_status":"actioned","false_positive_status":"dismissed","escalated_status":"legal"}
                """
            #expect(try await http.json(.put, "/v1/case-templates/grooming", key: fixture.reviewer, template).status == 403)
            #expect(try await http.json(.put, "/v1/case-templates/grooming", key: fixture.admin, template).status == 200)
            let bad = try await http.json(.put, "/v1/case-templates/x", key: fixture.admin,
                                          #"{"name":"x","statuses":[],"confirmed_status":"a","false_positive_status":"b","escalated_status":"c"}"#)
            #expect(bad.status == 400 && bad.errorMessage?.contains("exactly one status must be initial") == true)
            let missing = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"dm","template":"grooming"}"#)
            #expect(missing.status == 400 && missing.errorMessage?.contains("platform_area") == true)
            let opened = try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"dm","template":"grooming","fields":{"platform_area":"chat"}}"#)
            #expect(opened.json["status"] as? String == "new")
            let id = try #require(opened.json["id"] as? Int)
            let escalated = try await http.decide(id, #"{"decision":"escalate"}"#, key: fixture.reviewer)
            #expect(escalated.json["status"] as? String == "legal")
            #expect(try await http.json(.post, "/v1/cases", key: fixture.reviewer, #"{"title":"x","template":"none"}"#).status == 404)
        }
    }

    @Test func accountsAreBlockedWithAReasonAndUnblocked() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { http in
            let created = try await http.json(.post, "/v1/accounts", key: fixture.reviewer, #"{"reference_id":"u-7","email":"u7@example.org","tags":["new"]}"#)
            #expect(created.status == 201)
            let id = try #require(created.json["id"] as? Int)
            let again = try await http.json(.post, "/v1/accounts", key: fixture.reviewer, #"{"reference_id":"u-7"}"#)
            #expect(again.status == 200 && again.json["id"] as? Int == id)

            #expect(try await http.json(.post, "/v1/accounts/\(id)/block", key: fixture.reviewer, #"{}"#).status == 400)
            #expect(try await http.json(.patch, "/v1/accounts/\(id)", key: fixture.reviewer, #"{"status":"blocked"}"#).status == 400)
            #expect(try await http.json(.patch, "/v1/accounts/\(id)", key: fixture.reviewer, #"{"status":"gone"}"#).status == 400)
            let blocked = try await http.json(.post, "/v1/accounts/\(id)/block", key: fixture.reviewer, #"{"reason":"uploaded known CSAM (case 1)"}"#)
            #expect(blocked.json["status"] as? String == "blocked" && blocked.json["block_reason"] as? String == "uploaded known CSAM (case 1)")
            #expect(try await http.json(.post, "/v1/accounts/\(id)/block", key: fixture.reviewer, #"{"reason":"again"}"#).status == 409)
            #expect(try await http.json(.patch, "/v1/accounts/\(id)", key: fixture.reviewer, #"{"status":"under_review"}"#).status == 409)
            #expect((try await http.call(.get, "/v1/accounts?status=blocked", key: fixture.viewer).json["accounts"] as? [Any])?.count == 1)
            let tagged = try await http.json(.patch, "/v1/accounts/\(id)", key: fixture.reviewer, #"{"add_tags":["reported"]}"#)
            #expect(tagged.json["tags"] as? [String] == ["new", "reported"])
            let unblocked = try await http.json(.post, "/v1/accounts/\(id)/unblock", key: fixture.reviewer, #"{"reason":"appeal granted"}"#)
            #expect(unblocked.json["status"] as? String == "active" && unblocked.json["block_reason"] == nil)
            let detail = try await http.call(.get, "/v1/accounts/\(id)", key: fixture.viewer)
            #expect((detail.json["history"] as? [[String: Any]])?.map { $0["kind"] as? String ?? "" } == ["created", "blocked", "tags", "unblocked"])
            #expect((try await http.call(.get, "/v1/accounts?q=U7@", key: fixture.viewer).json["accounts"] as? [Any])?.count == 1)
            let events = (try await http.call(.get, "/v1/events?types=account.*", key: fixture.viewer).json["events"] as? [[String: Any]] ?? [])
            #expect(events.map { $0["type"] as? String ?? "" } == ["account.created", "account.blocked", "account.status-updated", "account.updated",
                                                                   "account.unblocked", "account.status-updated"])
        }
    }
}
