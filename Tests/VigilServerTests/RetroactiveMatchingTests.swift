import Access
import Banks
import ContentHashing
import Events
import Foundation
import PDQ
import HummingbirdTesting
import Screening
import Storage
import Testing
import VigilTestSupport
import Workflows
import Cases
@testable import VigilServer

/// Retroactive matching (issue 31 §1): every lookup keeps its signals and context; an entry added
/// to a match bank afterwards is checked against them, and each hit is a `match.found` marked
/// retroactive with the original lookup's context — once, whatever retries.
@Suite struct RetroactiveMatchingTests {
    /// Moves the service's clock past the settle time of every entry added so far: entries carry
    /// the wall clock's time, and under load a test can reach its entry long after its fixture's
    /// clock started.
    static func settle(_ fixture: ServerFixture) {
        fixture.clock.advance(by: max(0, Date().timeIntervalSince(fixture.clock.now)) + RetroactiveMatcher.settle + 1)
    }

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
            // An entry is checked once it has settled (a lookup another replica answered before
            // its index had the entry is written by then).
            #expect(try await screening.matcher.checkNew().entries == 0)
            Self.settle(fixture)
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
            // A match found later counts on its entry like any other.
            let entryID = try #require(checked.hits.first?.entry.id)
            #expect(try await fixture.service.banks.feedback(entryIDs: [entryID])[entryID]?.matches == 1)
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
    /// opens a case for the lookup's account (for a person to decide; the review found a match
    /// found later blocking accounts by itself).
    @Test(arguments: Backend.allCases)
    func aMatchFoundLaterOpensACaseForTheAccount(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
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
            Self.settle(fixture)
            #expect(try await fixture.service.screening.matcher.checkNew().hits.count == 1)
            try await table.deliverNew()
            try await fixture.runJobs()
            let runs = try await fixture.service.workflows.runs(RunFilter(workflowID: workflow.id))
            #expect(runs.count == 1 && runs.first?.status == .succeeded, "\(runs)")
            let cases = try await fixture.service.cases.list(CaseFilter(limit: 10))
            let opened = try #require(cases.first)
            #expect(opened.queue == "csam" && opened.priority == .urgent && opened.title.contains("found later (TEST_BANK)"), "\(opened)")
            // A person decides: the account is linked to the case, not blocked by the workflow.
            let account = try await fixture.service.accounts.find(reference: "user-7")
            let accountID = try #require(account?.id)
            #expect(account?.isBlocked == false && opened.accountIDs == [accountID])
            let detail = try await fixture.service.cases.detail(opened.id)
            #expect(detail.evidence.first?.match.bank == "TEST_BANK" && detail.evidence.first?.match.entryID != nil, "\(detail.evidence)")
            // The evidence carries the screened image's signals, so the reviewer's verdict counts on the entry.
            #expect(detail.evidence.first?.signals.md5 == signals.md5 && detail.evidence.first?.signals.sha256 == signals.sha256)
            let entryID = try #require(detail.evidence.first?.match.entryID)
            let decided = try await http.json(.post, "/v1/cases/\(opened.id)/decisions", key: fixture.reviewer,
                                              #"{"decision":"false_positive","version":\#(opened.version)}"#)
            #expect(decided.status == 200, "\(decided.text)")
            #expect(try await fixture.service.banks.feedback(entryIDs: [entryID])[entryID]?.falsePositives == 1)
        }
    }

    /// Every screened image near a new entry is found, not only the closest (the review found the
    /// PDQ search keeping one image per entry: a recompressed copy uploaded by another account was
    /// lost for good).
    @Test func everyScreenedCopyOfAnImageIsReported() async throws {
        let fixture = try await ServerFixture()
        let screening = fixture.service.screening
        let image = try Images.demo(2)
        let signals = try ContentHasher().signals(of: image)
        // Three uploads of copies with the same PDQ and other bytes, by three accounts.
        for account in ["acct-1", "acct-2", "acct-3"] {
            screening.screened(ScreenedSignal(at: Date(), lookupID: UUID().uuidString, api: "native", caller: "key:1", accountReference: account,
                                              runID: nil, pdq: signals.pdq, pdqQuality: signals.quality,
                                              md5: String(repeating: String(account.suffix(1)), count: 32), sha256: nil))
        }
        try await screening.flush()
        _ = try await fixture.service.banks.addEntries([NewEntry(signals: EntrySignals(pdq: signals.pdq, pdqQuality: signals.quality), addedBy: "test")],
                                                       to: fixture.bank)
        Self.settle(fixture)
        let hits = try await screening.matcher.checkNew().hits
        #expect(Set(hits.compactMap(\.screened.accountReference)) == ["acct-1", "acct-2", "acct-3"], "\(hits)")
    }

    /// The screened PDQs are searched a page at a time, the next read while one is searched:
    /// every near image is found on every page, and only those are read whole.
    @Test(arguments: Backend.allCases)
    func everyPageOfScreenedImagesIsSearched(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        let store = SQLScreenedStore(database: fixture.database)
        var generator = HashGenerator(seed: 41)
        let known = generator.randomHash()
        var near: Set<String> = []
        var signals: [ScreenedSignal] = []
        for i in 0..<23 {
            let isNear = i % 3 == 0
            let pdq = isNear ? generator.near(known, distance: 5 + i % 7) : generator.randomHash()
            if isNear { near.insert("acct-\(i)") }
            signals.append(ScreenedSignal(at: Date(), lookupID: UUID().uuidString, api: "native", caller: "key:1", accountReference: "acct-\(i)",
                                          runID: nil, pdq: pdq, pdqQuality: 90, md5: nil, sha256: nil))
        }
        try await store.record(signals)
        _ = try await fixture.service.banks.addEntries([NewEntry(signals: EntrySignals(pdq: known, pdqQuality: 90), addedBy: "test")], to: fixture.bank)
        Self.settle(fixture)
        let matcher = RetroactiveMatcher(store: store, banks: fixture.service.banks, clock: { fixture.clock.now }, pageSize: 4)
        let hits = try await matcher.checkNew().hits
        #expect(Set(hits.compactMap(\.screened.accountReference)) == near && hits.count == near.count, "\(hits.map(\.screened.accountReference))")
        await fixture.database.close()
    }

    /// An entry that can match again — its quarantine lifted, its snooze ended, its bank enabled —
    /// is checked again against what was screened while it could not match, once.
    @Test(arguments: Backend.allCases)
    func anEntryAbleToMatchAgainIsCheckedAgain(backend: Backend) async throws {
        let fixture = try await ServerFixture(backend)
        let (screening, banks) = (fixture.service.screening, fixture.service.banks)
        let (quarantined, snoozed) = (fixture.entryIDs[0], fixture.entryIDs[1])
        try await fixture.test { http in
            let off = try await banks.createBank(NewBank(name: "OFF", enabled: false))
            let third = try ContentHasher().signals(of: Images.demo(2))
            _ = try await banks.addEntries([NewEntry(signals: EntrySignals(pdq: third.pdq, pdqQuality: third.quality), addedBy: "test")], to: off)
            Self.settle(fixture)
            #expect(try await screening.matcher.checkNew().hits.isEmpty, "nothing screened yet")
            _ = try await banks.quarantine(entryID: quarantined, reason: "matched more than 50 distinct images within an hour")
            // The HTTP lookups below judge the snooze by the server's clock, real time, which the
            // fixture's frozen clock is a few seconds ahead of: ten minutes, not one, so a loaded
            // machine's slow steps do not end it before the lookup of demo 1 (a loaded run of the
            // suite once took over a minute there).
            _ = try await banks.snooze(entryID: snoozed, until: fixture.clock.now.addingTimeInterval(600))
            for (index, account) in [(0, "acct-0"), (1, "acct-1"), (2, "acct-2")] {
                let answer = try await http.call(.post, "/v1/match?account_reference_id=\(account)", key: fixture.matcher, contentType: "image/jpeg",
                                                 body: try Images.demo(index))
                #expect(answer.json["is_match"] as? Bool == false, "demo \(index) matches nothing now: \(answer.text.prefix(200))")
            }
            _ = try await screening.flush()
            #expect(try await screening.matcher.checkNew().hits.isEmpty)

            #expect(try await http.call(.post, "/v1/banks/TEST_BANK/entries/\(quarantined)/restore", key: fixture.curator).status == 200)
            #expect(try await screening.hasNewEntries())
            #expect(try await screening.matcher.checkNew().hits.map(\.screened.accountReference) == ["acct-0"], "its quarantine lifted")
            fixture.clock.advance(by: 720)
            #expect(try await screening.hasNewEntries(), "an ended snooze wakes the check by itself")
            #expect(try await screening.matcher.checkNew().hits.map(\.screened.accountReference) == ["acct-1"], "its snooze ended")
            #expect(try await http.json(.patch, "/v1/banks/OFF", key: fixture.curator, #"{"enabled":true}"#).status == 200)
            #expect(try await screening.matcher.checkNew().hits.map(\.screened.accountReference) == ["acct-2"], "its bank enabled")
            #expect(try await screening.matcher.checkNew().hits.isEmpty, "once")
            #expect(try await screening.hasNewEntries() == false)
        }
    }

    /// An entry added later that matches more screened images than the flood limit is taken for
    /// overzealous: quarantined, curators told, no account reported.
    @Test func anEntryMatchingTooManyScreenedImagesIsQuarantinedNotReported() async throws {
        var settings = ServerSettings()
        settings.floodLimit = 3
        let fixture = try await ServerFixture(settings: settings)
        let screening = fixture.service.screening
        let loose = try await fixture.service.banks.createBank(NewBank(name: "LOOSE", pdqThreshold: 256))
        var generator = SystemRandomNumberGenerator()
        for index in 0..<5 {
            let pdq = PDQHash(w0: generator.next(), w1: generator.next(), w2: generator.next(), w3: generator.next())
            screening.screened(ScreenedSignal(at: Date(), lookupID: UUID().uuidString, api: "native", caller: nil, accountReference: "acct-\(index)",
                                              runID: nil, pdq: pdq, pdqQuality: 100, md5: nil, sha256: nil))
        }
        try await screening.flush()
        let entryID = try #require(try await fixture.service.banks.addEntries(
            [NewEntry(signals: EntrySignals(pdq: PDQHash(w0: 0, w1: 0, w2: 0, w3: 0)), addedBy: "test")], to: loose).inserted.first?.entryID)
        Self.settle(fixture)
        let checked = try await screening.matcher.checkNew()
        #expect(checked.hits.isEmpty && checked.quarantined == 1, "\(checked)")
        #expect(try await fixture.service.banks.entry(id: entryID).metadata.quarantine?.reason == "matched more than 3 images screened before it")
        let told = try await fixture.service.events.events(after: 0, types: [EventTypes.entryQuarantined], limit: 5)
        #expect(told.count == 1 && told.first?.payload.object?["bank"] == .string("LOOSE"))
        // A curator restores it: its recheck neither quarantines it again nor hands over the images
        // that made it overzealous (the review found a restore undone ten seconds later).
        _ = try await fixture.service.banks.restore(entryID: entryID)
        let rechecked = try await screening.matcher.checkNew()
        #expect(rechecked.hits.isEmpty && rechecked.quarantined == 0, "\(rechecked)")
        #expect(try await fixture.service.banks.entry(id: entryID).metadata.quarantine == nil)
    }

    /// Bare hashes a caller sent count for nothing toward the flood limit (they could be made up to
    /// take an entry out): they are reported like any other match.
    @Test func screenedHashesACallerSentDoNotFloodAnEntry() async throws {
        var settings = ServerSettings()
        settings.floodLimit = 2
        let fixture = try await ServerFixture(settings: settings)
        let screening = fixture.service.screening
        let md5 = String(repeating: "ab", count: 16)
        for index in 0..<3 {
            screening.screened(ScreenedSignal(at: Date(), lookupID: UUID().uuidString, api: "native", caller: "key:9", accountReference: "acct-\(index)",
                                              runID: nil, pdq: nil, pdqQuality: nil, md5: md5, sha256: nil))
        }
        try await screening.flush()
        _ = try await fixture.service.banks.addEntries([NewEntry(signals: EntrySignals(md5: md5), addedBy: "test")], to: fixture.bank)
        Self.settle(fixture)
        let checked = try await screening.matcher.checkNew()
        #expect(checked.quarantined == 0 && checked.hits.count == 3, "\(checked)")
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
            Self.settle(fixture)
            let checked = try await screening.matcher.checkNew()
            #expect(checked.entries >= 1 && checked.hits.isEmpty, "checked, and suppressed as the lookup would be")
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
