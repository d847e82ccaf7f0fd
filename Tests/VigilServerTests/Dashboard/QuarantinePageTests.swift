import Access
import Banks
import Foundation
import Testing
@testable import VigilServer

/// Issue 31 §3 on the dashboard: a quarantined entry is a banner on the banks page and on its
/// bank's page — why, since when, its record — where a curator restores or deletes it (each
/// asked first, each audited); matches and verdicts are shown per entry and per bank.
@Suite struct QuarantinePageTests {
    @Test func aCuratorSeesTheQuarantineAndDecides() async throws {
        let fixture = try await ServerFixture()
        let banks = fixture.service.banks
        let (first, second) = (fixture.entryIDs[0], fixture.entryIDs[1])
        _ = try await banks.quarantine(entryID: first, reason: "matched more than 50 distinct images within an hour")
        _ = try await banks.quarantine(entryID: second, reason: "reviewers found 3 of its matches false positives")
        try await banks.addMatches([first: EntryMatchCount(matches: 7, last: Date())])
        try await fixture.test { http in
            var curator = try await Browser.signedIn(.curator, fixture: fixture, http: http)
            let list = try await curator.get("/banks")
            #expect(list.text.contains(#"id="quarantine""#) && list.text.contains(#"<a href="/banks/TEST_BANK#quarantine">TEST_BANK</a>: 2 entries"#),
                    "the banks page says which banks wait for a curator")
            let page = try await curator.get("/banks/TEST_BANK")
            #expect(page.text.contains("2 entries are quarantined: decide on each"))
            #expect(page.text.contains("matched more than 50 distinct images within an hour") && page.text.contains("reviewers found 3 of its matches false positives"))
            #expect(page.text.contains(">7 matches<") && page.text.contains("no matches yet"), "each entry's record, in words")
            #expect(page.text.contains(#"data-confirm="Delete entry \#(second) from TEST_BANK?"#), "deleting asks first")
            #expect(!page.text.contains("snoozed until"), "a quarantine is not shown as a snooze")

            var viewer = try await Browser.signedIn(.viewer, fixture: fixture, http: http)
            #expect(try await viewer.get("/banks/TEST_BANK").text.contains("a curator decides"))
            #expect(try await viewer.post("/banks/TEST_BANK/entries/\(first)/restore", [:]).status == 403)

            let restored = try await curator.post("/banks/TEST_BANK/entries/\(first)/restore", [:])
            #expect(restored.status == 303 && Browser.notice(of: restored) == "Entry \(first) restored: it matches again.", "\(restored.text)")
            #expect(try await banks.entry(id: first).metadata.quarantine == nil)
            let deleted = try await curator.post("/banks/TEST_BANK/entries/\(second)/delete", [:])
            #expect(deleted.status == 303)
            await #expect(throws: BankError.self) { _ = try await banks.entry(id: second) }
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 10, filter: AuditFilter()).map { "\($0.action) \($0.target)" }
            #expect(audit.contains("bank.entry_restore entry:\(first)") && audit.contains("bank.entry_delete entry:\(second)"), "\(audit)")
            let after = try await curator.get("/banks/TEST_BANK"), listAfter = try await curator.get("/banks")
            #expect(!after.text.contains(#"id="quarantine""#) && !listAfter.text.contains("Entries in quarantine"))
            let again = try await curator.post("/banks/TEST_BANK/entries/\(first)/restore", [:])
            #expect(again.text.contains("is not quarantined"), "\(again.status)")
        }
    }

    /// A snooze ends a quarantine: a curator's decision, audited like a restore; and no snooze can
    /// pass for a quarantine (the date that marks one is refused).
    @Test func aSnoozeEndingAQuarantineIsAuditedAndCannotFakeOne() async throws {
        let fixture = try await ServerFixture()
        let entry = fixture.entryIDs[0]
        _ = try await fixture.service.banks.quarantine(entryID: entry, reason: "matched more than 50 distinct images within an hour")
        try await fixture.test { http in
            let fake = try await http.json(.patch, "/v1/banks/TEST_BANK/entries/\(fixture.entryIDs[1])", key: fixture.curator,
                                           #"{"disabled_until":"9999-12-31T23:59:59Z"}"#)
            #expect(fake.status == 400 && fake.errorMessage?.contains("disabled_until") == true, "\(fake.text)")
            let snoozed = try await http.json(.patch, "/v1/banks/TEST_BANK/entries/\(entry)", key: fixture.curator, #"{"disabled_until":"2099-01-01T00:00:00Z"}"#)
            #expect(snoozed.status == 200 && snoozed.json["quarantine"] is NSNull, "\(snoozed.text)")
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 5, filter: AuditFilter(action: "bank.entry_restore"))
            #expect(audit.first?.target == "entry:\(entry)" && audit.first?.outcome == "ok: restored and snoozed", "\(audit)")
            let bank = try await http.call(.get, "/v1/banks/TEST_BANK", key: fixture.curator)
            #expect(bank.json["quarantined"] as? Int == 0, "\(bank.text)")
        }
    }
}
