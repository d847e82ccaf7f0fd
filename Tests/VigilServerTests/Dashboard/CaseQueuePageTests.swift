import Access
import Cases
import Foundation
import Testing
@testable import VigilServer

/// The review queue as a team works it (issue 30 §3): search, order, the columns a reviewer
/// decides from, SLA breaches highlighted here and counted on Home, and bulk decisions that
/// follow post/redirect/get and name the cases they left alone.
@Suite struct CaseQueuePageTests {
    @Test func theQueueFindsOrdersAndShowsAccountMatchAndSLABreach() async throws {
        let fixture = try await ServerFixture()
        let account = try await fixture.service.accounts.upsert(NewAccount(referenceID: "seller-77"), actor: "test").account
        let evidence = NewEvidence(match: EvidenceMatch(provider: "vigil", bank: "TEST_BANK", distance: 4), signals: EvidenceSignals(md5: "ab12cd34ef56" + String(repeating: "0", count: 20)))
        let late = try await fixture.service.cases.open(NewCase(title: "late upload", queue: "csam", accountIDs: [account.id], evidence: [evidence]),
                                                        actor: "test").case
        _ = try await fixture.service.cases.setQueueSLA(queue: "csam", minutes: 30)
        fixture.clock.advance(by: 45 * 60)
        let fresh = try await fixture.service.cases.open(NewCase(title: "fresh upload", priority: .urgent, queue: "csam"), actor: "test").case
        try await fixture.test { http in
            let reviewer = try await Browser.signedIn(.reviewer, fixture: fixture, http: http)
            let page = try await reviewer.get("/cases?sort=oldest")
            #expect(page.status == 200)
            let text = page.text
            let lateRow = try #require(text.range(of: #"id="case-row-\#(late.id)""#)), freshRow = try #require(text.range(of: #"id="case-row-\#(fresh.id)""#))
            #expect(lateRow.lowerBound < freshRow.lowerBound, "longest waiting first")
            #expect(text.contains(#"<tr id="case-row-\#(late.id)" class="breached">"#) && text.contains("over the 30 min SLA by 15 min"))
            #expect(text.contains("<td>seller-77</td>") && text.contains(#"<td>TEST_BANK (Vigil), distance 4<div class="hint">1 match</div></td>"#))
            #expect(text.contains(#"id="sla-breaches""#) && text.contains("1 open case is past the queue"))
            #expect(!(try await reviewer.get("/cases?queue=other").text.contains(#"id="sla-breaches""#)), "another queue's breaches are not this one's")
            #expect(text.contains(#"value="\#(late.id):\#(late.version)""#), "each row can be ticked with the version it shows")
            #expect(text.contains(#"data-paged="true""#), "no live row is slotted into another order")
            // Found by the account, by the start of a hash, and by number.
            // As a browser sends the search form: a space is a "+".
            for query in ["seller", "AB12CD", "%23\(late.id)", "late+upload"] {
                let found = try await reviewer.get("/cases?q=\(query)")
                #expect(found.text.contains(#"id="case-row-\#(late.id)""#) && !found.text.contains(#"id="case-row-\#(fresh.id)""#), "\(query)")
            }
            #expect(!text.contains(#"id="sla""#), "a reviewer does not set targets")
            let home = try await reviewer.get("/")
            #expect(home.text.contains(#"id="queue-health""#) && home.text.contains("1 open case is past the SLA."))
        }
    }

    @Test func aBulkDecisionRedirectsBackNamesTheCaseItLeftAndIsAudited() async throws {
        let fixture = try await ServerFixture()
        let first = try await fixture.service.cases.open(NewCase(title: "one"), actor: "test").case
        let second = try await fixture.service.cases.open(NewCase(title: "two"), actor: "test").case
        _ = try await fixture.service.cases.decide(second.id, DecisionRequest(decision: .setPriority(.high), expectedVersion: 1, actor: "user:bo"))
        try await fixture.test { http in
            var viewer = try await Browser.signedIn(.viewer, fixture: fixture, http: http)
            #expect(!(try await viewer.get("/cases").text.contains(#"action="/cases/bulk""#)))
            #expect(try await viewer.post("/cases/bulk", ["action": "escalate"], repeated: [("case", "\(first.id):1")]).status == 403)

            var reviewer = try await Browser.signedIn(.reviewer, fixture: fixture, http: http)
            // With no SLA breached the queue says nothing about breaches (not "0 open cases are past").
            #expect(!(try await reviewer.get("/cases").text.contains(#"id="sla-breaches""#)))
            let done = try await reviewer.post("/cases/bulk", ["action": "escalate", "back": "q=o&sort=oldest"],
                                               repeated: [("case", "\(first.id):1"), ("case", "\(second.id):1")])
            #expect(done.status == 303 && done.headers[.location] == "/cases?q=o&sort=oldest", "\(done.status)")
            let notice = try #require(Browser.notice(of: done))
            #expect(notice == "Escalated: 1 of 2 cases. Not changed: #\(second.id) changed since it was shown (now version 2).", "\(notice)")
            #expect(try await fixture.service.cases.detail(first.id).case.status == "escalated")
            #expect(try await fixture.service.cases.detail(second.id).case.status == "open")
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 5, filter: AuditFilter(action: "case.bulk_decision"))
            #expect(audit.first?.target == "cases:\(first.id),\(second.id)" && audit.first?.outcome.hasPrefix("ok: Escalated: 1 of 2") == true)
            // Back never leads off the queue; a form with no case or no action changes nothing.
            let away = try await reviewer.post("/cases/bulk", ["action": "escalate", "back": "/x?y=//evil.example"], repeated: [("case", "\(first.id):9")])
            #expect(away.headers[.location] == "/cases", "\(away.headers)")
            let kept = try await reviewer.post("/cases/bulk", ["action": "escalate", "back": "queue=a%20b&next=//evil.example&sort=oldest"],
                                               repeated: [("case", "\(first.id):9")])
            #expect(kept.headers[.location] == "/cases?queue=a%20b&sort=oldest", "\(kept.headers)")
            let none = try await reviewer.post("/cases/bulk", ["action": "escalate"])
            #expect(none.status == 303 && Browser.notice(of: none) == "Choose the cases first: tick them in the queue.")
            // "Assign to…" without a person changes nothing (it does not unassign).
            let noOne = try await reviewer.post("/cases/bulk", ["action": "assign", "assignee": ""], repeated: [("case", "\(first.id):2")])
            #expect(Browser.notice(of: noOne) == "Choose the person to assign the cases to: nothing was changed.")
            let typo = try await reviewer.post("/cases/bulk", ["action": "assign", "assignee": "nobody-here"], repeated: [("case", "\(first.id):2")])
            #expect(Browser.notice(of: typo)?.contains("nobody-here is not a person who may review cases") == true)
            #expect(try await fixture.service.cases.detail(first.id).case.assignee == nil)
        }
    }

    @Test func aReviewerTakesTheNextCaseFromTheQueuePage() async throws {
        let fixture = try await ServerFixture()
        let waiting = try await fixture.service.cases.open(NewCase(title: "waiting", queue: "csam"), actor: "test").case
        try await fixture.test { http in
            var reviewer = try await Browser.signedIn(.reviewer, fixture: fixture, http: http)
            #expect(try await reviewer.get("/cases?queue=csam").text.contains("Take the next case in csam"))
            let taken = try await reviewer.post("/cases/take", ["queue": "csam", "back": "queue=csam"])
            #expect(taken.status == 303 && taken.headers[.location] == "/cases/\(waiting.id)" && Browser.notice(of: taken) == "Case #\(waiting.id) is yours.")
            let name = try #require(try await fixture.service.users.list().first { $0.role == .reviewer }?.name)
            #expect(try await fixture.service.cases.detail(waiting.id).case.assignee == name)
            let none = try await reviewer.post("/cases/take", ["queue": "csam", "back": "queue=csam"])
            #expect(none.headers[.location] == "/cases?queue=csam" && Browser.notice(of: none)?.hasPrefix("Nothing is waiting in csam") == true)
        }
    }

    @Test func anAdminSetsAQueuesSLAOnThePageAndNonsenseIsRefusedInWords() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.service.cases.open(NewCase(title: "waiting", queue: "csam"), actor: "test")
        try await fixture.test { http in
            var reviewer = try await Browser.signedIn(.reviewer, fixture: fixture, http: http)
            #expect(try await reviewer.post("/cases/queue-sla", ["queue": "csam", "minutes": "30"]).status == 403)
            var admin = try await Browser.signedIn(.admin, fixture: fixture, http: http)
            #expect(try await admin.get("/cases").text.contains(#"id="sla""#))
            let words = try await admin.post("/cases/queue-sla", ["queue": "csam", "minutes": "half an hour"])
            #expect(words.status == 303 && Browser.notice(of: words)?.contains("a whole number of minutes") == true)
            let zero = try await admin.post("/cases/queue-sla", ["queue": "csam", "minutes": "0"])
            #expect(Browser.notice(of: zero)?.contains("an SLA target is from 1 minute") == true)
            #expect(try await fixture.service.cases.queueSLAs().isEmpty)
            let saved = try await admin.post("/cases/queue-sla", ["queue": "csam", "minutes": "30"])
            #expect(Browser.notice(of: saved) == "csam: cases are due within 30 min.")
            #expect(try await fixture.service.cases.queueSLAs().map(\.minutes) == [30])
        }
    }
}
