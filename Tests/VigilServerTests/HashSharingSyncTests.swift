import Access
import BankImport
import Banks
import Foundation
import IntegrationClients
import Jobs
import NCMECMock
import PDQ
@testable import Storage
import Testing
import VigilTestSupport

/// A bank that follows NCMEC's hash sharing (a local mock of it): paging, updates, deletions,
/// a sync cut off in the middle and run again, and the API that sets it up and asks for a sync.
@Suite struct HashSharingSyncTests {
    struct Setup {
        let fixture: ServerFixture
        let mock: HashSharingMock
        let running: HashSharingMock.Running
        let bank: Bank
        let sync: BankSync
    }

    static func setUp(pageSize: Int = 2) async throws -> Setup {
        let fixture = try await ServerFixture()
        let mock = HashSharingMock(pageSize: pageSize)
        let running = try await mock.start()
        let credential = try await fixture.service.credentials.create(
            integration: "ncmec_hash_sharing",
            values: ["nickname": "mock", "username": mock.username, "password": mock.password, "endpoint": running.base], mayRedirect: true)
        let bank = try await fixture.service.banks.createBank(NewBank(name: "NCMEC"))
        _ = try await fixture.service.bankSync.setSource(bank: "NCMEC", kind: .ncmec, credentialID: credential.id)
        let sync = BankSync(banks: fixture.service.banks, sources: SQLBankSourceStore(database: fixture.database),
                            feed: NCMECHashSharingFeed(credentials: fixture.service.credentials, gate: fixture.service.fetcher.gate, retry: .once))
        return Setup(fixture: fixture, mock: mock, running: running, bank: bank, sync: sync)
    }

    static func entries(_ setup: Setup) async throws -> [String: BankEntry] {
        let all = try await setup.fixture.service.banks.entries(of: setup.bank, after: 0, limit: 1000)
        return Dictionary(uniqueKeysWithValues: all.compactMap { entry in entry.metadata.externalID.map { ($0, entry) } })
    }

    @Test func aSyncReadsEveryPageThenFollowsUpdatesAndDeletions() async throws {
        let setup = try await Self.setUp()
        let base = Date()
        var generator = HashGenerator(seed: 7)
        let hashes = (0..<5).map { _ in generator.randomHash() }
        for (i, hash) in hashes.enumerated() {
            setup.mock.put(.init(id: "img\(i)", timestamp: base.addingTimeInterval(-3600), classification: "A\(i % 2 + 1)", pdq: hash.hex))
        }
        let first = try await setup.sync.run(bankID: setup.bank.id, now: base)
        #expect(first.pages == 3 && first.summary.added == 5, "\(first)")
        var stored = try await Self.entries(setup)
        #expect(stored.keys.sorted() == (0..<5).map { "ncmec:42:img\($0)" })
        #expect(stored["ncmec:42:img1"]?.signals.pdq == hashes[1])
        #expect(stored["ncmec:42:img1"]?.metadata.extra["classification"] == "A2", "\(String(describing: stored["ncmec:42:img1"]?.metadata))")
        let img2 = try #require(stored["ncmec:42:img2"]?.id)
        // Matched at once, through the same index every API uses.
        #expect(setup.fixture.service.banks.match(MatchQuery(pdq: [hashes[3]])).matches.contains { $0.bank.id == setup.bank.id })

        // Later: one entry withdrawn, one reclassified, one new; the next range holds only those.
        let later = base.addingTimeInterval(30)
        setup.mock.delete(id: "img0", at: later)
        setup.mock.put(.init(id: "img2", timestamp: later, classification: "B1", pdq: hashes[2].hex))
        let newHash = generator.randomHash()
        setup.mock.put(.init(id: "img9", timestamp: later, pdq: newHash.hex))
        let second = try await setup.sync.run(bankID: setup.bank.id, now: base.addingTimeInterval(60))
        #expect(second.summary.added == 1 && second.summary.removed == 1 && second.summary.updated == 1, "\(second.summary)")
        stored = try await Self.entries(setup)
        #expect(stored["ncmec:42:img0"] == nil && stored["ncmec:42:img9"]?.signals.pdq == newHash)
        #expect(stored["ncmec:42:img2"]?.id == img2 && stored["ncmec:42:img2"]?.metadata.extra["classification"] == "B1")
        #expect(!setup.fixture.service.banks.match(MatchQuery(pdq: [hashes[0]])).matches.contains { $0.bank.id == setup.bank.id })
        let source = try await setup.fixture.service.bankSync.source(bank: "NCMEC")
        #expect(source.lastOutcome?.hasPrefix("ok:") == true)
        await setup.running.stop()
        await setup.fixture.database.close()
    }

    /// Cut off after its first pages, a sync leaves the checkpoint where it was; run again, it
    /// reads the range whole and every entry is there once.
    @Test func aSyncCutOffMidwayLosesAndDoublesNothingWhenRunAgain() async throws {
        let setup = try await Self.setUp()
        let base = Date()
        var generator = HashGenerator(seed: 8)
        for i in 0..<6 { setup.mock.put(.init(id: "e\(i)", timestamp: base.addingTimeInterval(-600), pdq: generator.randomHash().hex)) }
        setup.mock.failPage(startingAt: 4)
        await #expect(throws: (any Error).self) { try await setup.sync.run(bankID: setup.bank.id, now: base) }
        let partial = try await Self.entries(setup)
        #expect(partial.count == 4)
        let cutOff = try await setup.fixture.service.bankSync.source(bank: "NCMEC")
        #expect(cutOff.checkpoint == nil && cutOff.lastOutcome?.hasPrefix("failed:") == true, "\(String(describing: cutOff.lastOutcome))")

        setup.mock.failPage(startingAt: 4, false)
        let again = try await setup.sync.run(bankID: setup.bank.id, now: base)
        #expect(again.summary.added == 2 && again.summary.duplicates == 4, "\(again.summary)")
        let whole = try await Self.entries(setup)
        #expect(whole.count == 6)
        #expect(partial.allSatisfy { whole[$0.key]?.id == $0.value.id })
        #expect(try await setup.fixture.service.banks.entryCount(of: setup.bank) == 6)
        #expect(try await setup.fixture.service.bankSync.source(bank: "NCMEC").checkpoint != nil)
        await setup.running.stop()
        await setup.fixture.database.close()
    }

    /// A bank whose deletion has begun is not synced: the schedule queues no sync of it, and a
    /// sync queued before the deletion began fails once, saying why, instead of being retried
    /// (the bank takes no entries until it is gone).
    @Test func aBankBeingDeletedIsNeitherScheduledNorRetried() async throws {
        let setup = try await Self.setUp()
        var generator = HashGenerator(seed: 12)
        setup.mock.put(.init(id: "d0", timestamp: Date().addingTimeInterval(-60), pdq: generator.randomHash().hex))
        let fixture = setup.fixture
        try await SQLBankStore(database: fixture.database).disableForDeletion(bankID: setup.bank.id)
        let due = try await fixture.service.bankSync.queueDue(at: Date().addingTimeInterval(3600))
        #expect(due.isEmpty, "\(due.count) syncs of a bank being deleted queued by the schedule")

        // A sync queued just before the deletion began (asking for one now is refused).
        let queuedBefore = try await fixture.service.jobs.enqueue(NewJob(
            kind: BankSyncService.jobKind, payload: try JobText.encode(["bank_id": setup.bank.id]), maxAttempts: 5))
        try await fixture.runJobs()
        let job = try await fixture.service.jobs.job(id: queuedBefore.id)
        #expect(job.state == .failed && job.attempts == 1, "\(job.state) after \(job.attempts) attempts")
        #expect(job.error?.contains("being deleted") == true, "\(job.error ?? "no error")")
        #expect(try await fixture.service.banks.entryCount(of: setup.bank) == 0)
        let source = try await fixture.service.bankSync.source(bank: "NCMEC")
        #expect(source.lastOutcome?.contains("being deleted") == true, "\(source.lastOutcome ?? "nothing")")
        await setup.running.stop()
        await fixture.database.close()
    }

    @Test func theAPISetsASourceAndQueuesASyncJob() async throws {
        let setup = try await Self.setUp(pageSize: 1000)
        var generator = HashGenerator(seed: 9)
        setup.mock.put(.init(id: "api0", timestamp: Date().addingTimeInterval(-120), pdq: generator.randomHash().hex))
        let fixture = setup.fixture
        let credential = try #require(try await fixture.service.credentials.list().first?.id)
        try await fixture.test { client in
            _ = try await fixture.service.banks.createBank(NewBank(name: "SHARED"))
            let body = #"{"kind": "ncmec", "credential": "\#(credential)", "interval_seconds": 600}"#
            #expect(try await client.json(.put, "/v1/banks/SHARED/source", key: fixture.curator, body).status == 403)
            let set = try await client.json(.put, "/v1/banks/SHARED/source", key: fixture.admin, body)
            #expect(set.status == 200 && set.json["interval_seconds"] as? Int == 600, "\(set.text)")
            let tooOften = try await client.json(.put, "/v1/banks/SHARED/source", key: fixture.admin,
                                                 #"{"credential": "\#(credential)", "interval_seconds": 5}"#)
            #expect(tooOften.status == 400 && tooOften.errorMessage?.contains("interval_seconds") == true)
            let wrong = try await client.json(.put, "/v1/banks/ALLOW_BANK/source", key: fixture.admin, body)
            #expect(wrong.status == 400 && wrong.errorMessage?.contains("allow bank") == true, "\(wrong.text)")
            let none = try await client.json(.put, "/v1/banks/SHARED/source", key: fixture.admin, #"{"credential": "nope"}"#)
            #expect(none.status == 404)

            let queued = try await client.call(.post, "/v1/banks/SHARED/sync", key: fixture.curator)
            #expect(queued.status == 202 && queued.headers[.location]?.hasPrefix("/v1/jobs/") == true, "\(queued.text)")
            try await fixture.runJobs()
            let job = try await client.call(.get, try #require(queued.headers[.location]), key: fixture.matcher)
            #expect(job.json["state"] as? String == "succeeded", "\(job.text)")
            let source = try await client.call(.get, "/v1/banks/SHARED/source", key: fixture.matcher)
            #expect((source.json["last_outcome"] as? String)?.contains("1 added") == true, "\(source.text)")
            #expect(source.json["checkpoint"] is String)
            #expect(try await client.call(.post, "/v1/banks/TEST_BANK/sync", key: fixture.curator).status == 404)

            // The schedule hands a due source to one caller only (NCMEC's and SHARED's are due).
            let due = try await fixture.service.bankSync.queueDue(at: Date().addingTimeInterval(3600))
            let again = try await fixture.service.bankSync.queueDue(at: Date().addingTimeInterval(3600))
            #expect(due.count == 2 && again.isEmpty, "\(due.count) then \(again.count)")
            // Due again while those syncs are still queued: not queued twice (the soak saw three
            // syncs of one list side by side, each reading the same pages).
            let whileQueued = try await fixture.service.bankSync.queueDue(at: Date().addingTimeInterval(3 * 3600))
            #expect(whileQueued.isEmpty, "\(whileQueued.count) syncs queued beside unfinished ones")
            try await fixture.runJobs()
            let afterwards = try await fixture.service.bankSync.queueDue(at: Date().addingTimeInterval(5 * 3600))
            #expect(afterwards.count == 2, "\(afterwards.count)")

            #expect(try await client.call(.delete, "/v1/banks/SHARED/source", key: fixture.admin).status == 204)
            #expect(try await client.call(.get, "/v1/banks/SHARED/source", key: fixture.admin).status == 404)
        }
        await setup.running.stop()
    }

    /// The dashboard's bank list says which banks follow a hash list and how their last sync went.
    @Test func theBanksPageShowsEachFollowedBanksSyncStatus() async throws {
        let setup = try await Self.setUp(pageSize: 1000)
        var generator = HashGenerator(seed: 11)
        setup.mock.put(.init(id: "page0", timestamp: Date().addingTimeInterval(-60), pdq: generator.randomHash().hex))
        let fixture = setup.fixture
        try await fixture.test { http in
            let viewer = try await Browser.signedIn(.viewer, fixture: fixture, http: http)
            let before = try await viewer.get("/banks")
            #expect(before.status == 200)
            #expect(before.text.contains("ncmec: not synced yet"), "\(before.text)")
            _ = try await setup.sync.run(bankID: setup.bank.id, now: Date())
            let after = try await viewer.get("/banks")
            let outcome = try #require(try await fixture.service.bankSync.source(bank: "NCMEC").lastOutcome)
            #expect(outcome.contains("1 added"), "\(outcome)")
            #expect(after.text.contains("ncmec: \(outcome)"), "\(after.text)")
            #expect(!after.text.contains("not synced yet"))
        }
        await setup.running.stop()
    }
}
