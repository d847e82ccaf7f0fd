import Access
import Banks
import ContentHashing
import Events
import Foundation
import HummingbirdTesting
import Screening
import Testing
import VigilTestSupport
import Workflows
import Cases
@testable import VigilServer

/// Retroactive matching (issue 31 §1): every lookup keeps its signals and context; an entry added
/// to a match bank afterwards is checked against them, and each hit is a `match.found` marked
/// retroactive with the original lookup's context — once, whatever retries.
@Suite struct RetroactiveMatchingTests {
    @Test(arguments: Backend.allCases)
    func anEntryAddedAfterALookupIsReportedForThatLookupsAccountOnce(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        let screening = fixture.service.screening
        try await fixture.test { http in
            // A lookup of an image no bank holds yet, for account user-7: no match, its signals kept.
            let image = try Images.demo(2)
            let looked = try await http.call(.post, "/v1/match?account_reference_id=user-7", key: fixture.analyst, contentType: "image/jpeg", body: image)
            #expect(looked.status == 200 && looked.json["is_match"] as? Bool == false, "\(looked.text.prefix(300))")
            // And one of an image TEST_BANK holds: it matched then, and is not reported again later.
            #expect(try await http.call(.post, "/v1/match", key: fixture.analyst, contentType: "image/jpeg", body: try Images.demo(0))
                .json["is_match"] as? Bool == true)
            let written = try await screening.flush()
            #expect(written.written == 2 && written.dropped == 0)
            let kept = try await http.call(.get, "/v1/screened-signals", key: fixture.admin)
            #expect(kept.json["kept"] as? Int == 2 && kept.json["retention_days"] as? Int == 90, "\(kept.text)")
            #expect(try await http.call(.get, "/v1/screened-signals", key: fixture.analyst).status == 403)

            // Days later a curator adds the image's hash to a match bank.
            let signals = try ContentHasher().signals(of: image)
            let added = try await http.json(.post, "/v1/banks/TEST_BANK/entries", key: fixture.curator, #"{"entries": [{"pdq": "\#(signals.pdq.hex)"}]}"#)
            #expect(added.status == 200 || added.status == 201, "\(added.text)")
            let checked = try await screening.matcher.checkNew()
            #expect(checked.hits.count == 1, "\(checked.hits)")
            let events = try await fixture.service.events.events(after: 0, types: [EventTypes.matchFound], limit: 50)
            let retro = events.filter { $0.payload.object?["retroactive"] == .bool(true) }
            let event = try #require(retro.first)
            #expect(retro.count == 1 && event.actor == "system:retroactive")
            #expect(event.payload.object?["account_reference_id"] == .string("user-7"), "\(event.payload)")
            let lookup = try #require(event.payload.object?["lookup"]?.object)
            #expect(lookup["api"] == .string("native") && lookup["caller"]?.string?.hasPrefix("key:") == true)
            let match = try #require(event.payload.object?["matches"]?.array?.first?.object)
            #expect(match["bank"] == .string("TEST_BANK") && match["distance"] == .number(0))
            // Once: checking again (a retry, another replica) reports nothing new.
            #expect(try await screening.matcher.checkNew().hits.isEmpty)
            #expect(try await fixture.service.events.events(after: 0, types: [EventTypes.matchFound], limit: 50)
                .filter { $0.payload.object?["retroactive"] == .bool(true) }.count == 1)

            // The account's screened signals are deleted on its request, audited.
            #expect(try await http.call(.delete, "/v1/screened-signals", key: fixture.admin).status == 400)
            let deleted = try await http.call(.delete, "/v1/screened-signals?account_reference_id=user-7", key: fixture.admin)
            #expect(deleted.status == 200 && deleted.json["deleted"] as? Int == 1, "\(deleted.text)")
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 5, filter: AuditFilter(action: "screened.delete"))
            #expect(audit.first?.outcome == "ok: 1 deleted" && audit.first?.target == "account:user-7")
        }
    }

    /// The library's retroactive branch: the event starts "Act on a match found later", which
    /// opens a case for the lookup's account and blocks it pending review.
    @Test func aMatchFoundLaterOpensACaseForTheAccount() async throws {
        let fixture = try await ServerFixture()
        let table = EventTableTriggers(triggers: fixture.service.triggers, events: fixture.service.events)
        try await table.deliverNew()
        try await fixture.test { http in
            let workflow = try await fixture.service.workflows.create(WorkflowLibrary.actOnRetroactiveMatch())
            _ = try await fixture.service.workflows.publish(workflow.id, by: "test")
            let image = try Images.demo(2)
            _ = try await http.call(.post, "/v1/match?account_reference_id=user-7", key: fixture.analyst, contentType: "image/jpeg", body: image)
            try await fixture.service.screening.flush()
            let signals = try ContentHasher().signals(of: image)
            #expect(try await http.json(.post, "/v1/banks/TEST_BANK/entries", key: fixture.curator, #"{"entries": [{"md5": "\#(signals.md5)"}]}"#).status < 300)
            #expect(try await fixture.service.screening.matcher.checkNew().hits.count == 1)
            try await table.deliverNew()
            try await fixture.runJobs()
            let runs = try await fixture.service.workflows.runs(RunFilter(workflowID: workflow.id))
            #expect(runs.count == 1 && runs.first?.status == .succeeded, "\(runs)")
            let cases = try await fixture.service.cases.list(CaseFilter(limit: 10))
            let opened = try #require(cases.first)
            #expect(opened.queue == "csam" && opened.priority == .urgent && opened.title.contains("found later (TEST_BANK)"), "\(opened)")
            let account = try await fixture.service.accounts.find(reference: "user-7")
            let accountID = try #require(account?.id)
            #expect(account?.isBlocked == true && opened.accountIDs == [accountID])
            let detail = try await fixture.service.cases.detail(opened.id)
            #expect(detail.evidence.first?.match.bank == "TEST_BANK" && detail.evidence.first?.match.entryID != nil, "\(detail.evidence)")
        }
    }

    /// An allow entry that would suppress the match at lookup time suppresses it afterwards too:
    /// the check confirms through the same matching every lookup uses.
    @Test func anAllowEntryHoldsForARetroactiveMatchToo() async throws {
        let fixture = try await ServerFixture()
        let screening = fixture.service.screening
        try await fixture.test { http in
            let image = try Images.demo(3)
            _ = try await http.call(.post, "/v1/match", key: fixture.analyst, contentType: "image/jpeg", body: image)
            try await screening.flush()
            let signals = try ContentHasher().signals(of: image)
            // The allow bank holds its very bytes; the match bank gets its PDQ.
            #expect(try await http.json(.post, "/v1/banks/ALLOW_BANK/entries", key: fixture.curator, #"{"entries": [{"md5": "\#(signals.md5)"}]}"#).status < 300)
            #expect(try await http.json(.post, "/v1/banks/TEST_BANK/entries", key: fixture.curator, #"{"entries": [{"pdq": "\#(signals.pdq.hex)"}]}"#).status < 300)
            #expect(try await screening.matcher.checkNew().hits.isEmpty, "suppressed as the lookup would be")
        }
    }

    /// Retention drops whole days; with 0 days nothing is kept at all.
    @Test func retentionDropsWholeDaysAndZeroKeepsNothing() async throws {
        var settings = ServerSettings()
        settings.screenedDays = 2
        let fixture = try await ServerFixture(settings: settings)
        try await fixture.test { http in
            _ = try await http.call(.post, "/v1/match", key: fixture.analyst, contentType: "image/jpeg", body: try Images.demo(2))
            try await fixture.service.screening.flush()
            #expect(try await fixture.service.screening.purge() == 0)
            fixture.clock.advance(by: 86_400)
            #expect(try await fixture.service.screening.purge() == 0, "a day old: kept (2 days)")
            fixture.clock.advance(by: 86_400)
            #expect(try await fixture.service.screening.purge() == 1, "two days old: dropped")
        }
        var off = ServerSettings()
        off.screenedDays = 0
        let quiet = try await ServerFixture(settings: off)
        try await quiet.test { http in
            _ = try await http.call(.post, "/v1/match", key: quiet.analyst, contentType: "image/jpeg", body: try Images.demo(2))
            #expect(try await quiet.service.screening.flush().written == 0)
            #expect(try await quiet.service.screening.count() == 0)
        }
    }
}
