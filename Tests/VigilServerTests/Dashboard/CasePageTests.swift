import Access
import Cases
import Foundation
import Testing
@testable import VigilServer

/// The case page as a reviewer uses it (issue 30 §3): assignment from the people who may review
/// (any text was accepted), the linked account named by its reference id with its own block
/// form, and a confirmation asked before the irreversible decision.
@Suite struct CasePageTests {
    @Test func aCaseIsAssignedToAReviewerFromTheListAndItsAccountIsNamedAndBlockedThere() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.service.users.create(name: "rita", role: .reviewer, password: Browser.password)
        _ = try await fixture.service.users.create(name: "vic", role: .viewer, password: Browser.password)
        let opened = try await fixture.service.cases.open(NewCase(title: "assign me"), actor: "test").case
        let account = try await fixture.service.accounts.upsert(NewAccount(referenceID: "user-42"), actor: "test").account
        _ = try await fixture.service.cases.linkAccounts(opened.id, [account.id], actor: "test")
        try await fixture.test { http in
            // A viewer looking at the case leaves it open; a reviewer opening it starts its review.
            let viewer = try await Browser.signedIn(.viewer, fixture: fixture, http: http)
            #expect(try await viewer.get("/cases/\(opened.id)").status == 200)
            #expect(try await fixture.service.cases.detail(opened.id).case.status == "open")
            var reviewer = try await Browser.signedIn(.reviewer, fixture: fixture, http: http)
            let page = try await reviewer.get("/cases/\(opened.id)")
            let reviewing = try await fixture.service.cases.detail(opened.id)
            #expect(reviewing.case.status == "in_review" && page.text.contains(">in review</span>"))
            #expect(reviewing.timeline.contains { $0.actor.hasPrefix("user:reviewer-") && "\($0.detail)".contains("in_review") }, "\(reviewing.timeline)")
            #expect(page.text.contains(#"id="shortcuts""#) && page.text.contains(#"data-key="c""#), "the keys are listed and wired")
            #expect(page.text.contains(#"<option value="rita">rita</option>"#), "a reviewer is offered")
            #expect(!page.text.contains(#"<option value="vic">"#), "a viewer may not review: not offered")
            #expect(page.text.contains(#"<a href="/accounts/\#(account.id)">user-42</a>"#), "the account by its reference id")
            #expect(page.text.contains(#"action="/accounts/\#(account.id)/block""#))
            #expect(page.text.contains(#"data-confirm="Confirm case #\#(opened.id) as abusive imagery?"#))

            let version = String(try await fixture.service.cases.detail(opened.id).case.version)
            let typo = try await reviewer.post("/cases/\(opened.id)/decisions", ["decision": "assign", "assignee": "ritaa", "version": version])
            #expect(typo.status == 422 && typo.text.contains("ritaa is not a person who may review cases."), "\(typo.status)")
            #expect(try await fixture.service.cases.detail(opened.id).case.assignee == nil, "nothing assigned on a typo")
            let assigned = try await reviewer.post("/cases/\(opened.id)/decisions", ["decision": "assign", "assignee": "rita", "version": version])
            #expect(assigned.status == 303, "\(assigned.text.prefix(300))")
            #expect(try await fixture.service.cases.detail(opened.id).case.assignee == "rita")

            // The account's block on the case page names the version it was shown (a stale page
            // cannot undo a newer change), and leads back to the case.
            let shown = try await fixture.service.accounts.detail(account.id).account.version
            #expect(try await reviewer.get("/cases/\(opened.id)").text.contains(#"name="version" value="\#(shown)"><input type="hidden" name="from_case""#))
            _ = try await fixture.service.accounts.update(account.id, addTags: ["seen"], actor: "test")
            let stale = try await reviewer.post("/accounts/\(account.id)/block", ["reason": "CSAM upload", "version": String(shown),
                                                                                "from_case": String(opened.id)])
            #expect(stale.status == 409, "\(stale.status)")
            #expect(try await fixture.service.accounts.detail(account.id).account.isBlocked == false)
            let current = try await fixture.service.accounts.detail(account.id).account.version
            let blocked = try await reviewer.post("/accounts/\(account.id)/block", ["reason": "CSAM upload", "version": String(current),
                                                                                  "from_case": String(opened.id)])
            #expect(blocked.status == 303 && blocked.headers[.location] == "/cases/\(opened.id)", "\(blocked.status)")
            #expect(try await fixture.service.accounts.detail(account.id).account.isBlocked)
        }
    }
}
