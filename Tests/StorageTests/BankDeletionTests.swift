@testable import Banks
import Foundation
import PDQ
@testable import Storage
import Testing
import VigilTestSupport

/// A bank is deleted a batch of entries a transaction (one transaction for a 10M-entry bank held
/// SQLite's only writer for 47 s): disabled first, so a deletion stopped half way leaves an inert
/// bank; at the end what one transaction left — the bank, its entries and their match totals gone,
/// each removal logged once before the bank's deletion, other banks untouched, and another
/// replica following the log alone agrees.
@Suite struct BankDeletionTests {
    struct Fixture {
        let db: TestDatabase
        let service: BankService, database: VigilDatabase
        let follower: BankService, followerDatabase: VigilDatabase
        let gone: Bank, kept: Bank
        let goneHashes: [PDQHash]
        let store: SQLBankStore

        func close() async {
            await database.close()
            await followerDatabase.close()
            withExtendedLifetime(db) {}
        }

        func matchTotals(bankID: Int64) async throws -> Int {
            try await database.run { sql in
                try await sql.raw("SELECT count(*) AS n FROM entry_matches WHERE bank_id = \(bind: bankID)").first()?.decode(column: "n", as: Int.self) ?? -1
            }
        }

        func log(bankID: Int64) async throws -> [(op: String, entryID: Int64?)] {
            try await database.run { sql in
                try await sql.raw("SELECT op, entry_id FROM bank_changes WHERE bank_id = \(bind: bankID) ORDER BY seq").all()
                    .map { (try $0.decode(column: "op", as: String.self), try $0.decode(column: "entry_id", as: Int64?.self)) }
            }
        }
    }

    /// Two banks whose entries' ids interleave (batches of 500 in turn): 2 000 in "gone", 1 500 in
    /// "kept", a few of each matched.
    static func fixture(_ backend: Backend) async throws -> Fixture {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        let (follower, followerDatabase) = try await db.service()
        let gone = try await service.createBank(NewBank(name: "gone"))
        let kept = try await service.createBank(NewBank(name: "kept"))
        var generator = HashGenerator(seed: 31)
        var goneHashes: [PDQHash] = []
        for round in 0..<7 {
            let rows = (0..<500).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }
            let bank = round % 2 == 0 ? gone : kept
            if bank.id == gone.id { goneHashes += rows.compactMap(\.signals.pdq) }
            _ = try await service.store.applyBatch(bankID: bank.id, insert: rows, deleteExternalIDs: [], at: Date(), returningRows: false)
        }
        for bank in [gone, kept] {
            let ids = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 10_000).map(\.id)
            let matched = stride(from: 0, to: ids.count, by: 100).map { ids[$0] }
            try await service.store.addMatches(Dictionary(uniqueKeysWithValues: matched.map { ($0, EntryMatchCount(matches: 2, last: Date())) }))
        }
        try await follower.syncIndex()
        let store = try #require(service.store as? SQLBankStore)
        return Fixture(db: db, service: service, database: database, follower: follower, followerDatabase: followerDatabase,
                       gone: gone, kept: kept, goneHashes: goneHashes, store: store)
    }

    @Test(arguments: Backend.allCases)
    func aBankDeletedInBatchesLeavesWhatOneTransactionLeft(backend: Backend) async throws {
        let f = try await Self.fixture(backend)
        let goneIDs = try await f.service.store.entries(bankID: f.gone.id, afterID: 0, limit: 10_000).map(\.id)
        let keptMatches = try await f.matchTotals(bankID: f.kept.id)
        try #require(goneIDs.count == 2_000 && keptMatches == 15)
        // Batches of 300: six, the last 200 with the bank.
        try await f.store.deleteBank(id: f.gone.id, batch: 300)

        #expect(try await f.service.store.bank(named: "gone") == nil)
        #expect(try await f.service.store.entryCount(bankID: f.gone.id) == 0)
        #expect(try await f.service.store.entryCount(bankID: f.kept.id) == 1_500)
        #expect(try await f.matchTotals(bankID: f.gone.id) == 0)
        #expect(try await f.matchTotals(bankID: f.kept.id) == keptMatches)
        let log = try await f.log(bankID: f.gone.id)
        #expect(log.last?.op == "bank_deleted")
        let removed = log.filter { $0.op == "entry_removed" }.compactMap(\.entryID)
        #expect(removed.count == 2_000 && Set(removed) == Set(goneIDs), "each removal logged once")
        try await f.follower.syncIndex()
        #expect(f.follower.index.counts.pdq == 1_500)
        #expect(!f.follower.match(MatchQuery(pdq: [f.goneHashes[1_234]])).isMatch)
        await f.close()
    }

    /// Stopped after two batches: the bank is listed, disabled (no replica matches it), holds the
    /// entries not yet deleted; an import into it is refused (its rows would never match, and
    /// would all fall to the deletion's last transaction); deleting it again removes everything,
    /// each removal logged once.
    @Test(arguments: Backend.allCases)
    func aDeletionStoppedHalfWayLeavesAnInertBankAndFinishes(backend: Backend) async throws {
        let f = try await Self.fixture(backend)
        try #require(f.follower.match(MatchQuery(pdq: [f.goneHashes[1_999]])).isMatch)
        let end = try #require(try await f.service.store.entries(bankID: f.gone.id, afterID: 0, limit: 10_000).last?.id)
        // What deleteBank does before it stops: disable, then two batches.
        try await f.store.disableForDeletion(bankID: f.gone.id)
        var after: Int64 = 0
        for _ in 0..<2 {
            let last = try #require(try await f.store.nextDeletionBatch(ofBank: f.gone.id, after: after, through: end, batch: 300))
            try await f.store.deleteEntries(ofBank: f.gone.id, after: after, through: last)
            after = last
        }
        let half = try #require(try await f.service.store.bank(named: "gone"))
        #expect(!half.enabled)
        #expect(try await f.service.store.entryCount(bankID: f.gone.id) == 1_400)
        try await f.follower.syncIndex()
        #expect(!f.follower.match(MatchQuery(pdq: [f.goneHashes[1_999]])).isMatch, "a bank being deleted matches nothing")
        #expect(f.follower.index.counts.pdq == 1_500, "and its entries have left the index, all at once")
        var generator = HashGenerator(seed: 32)
        let added = (0..<400).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "import") }
        await #expect(throws: BankError.beingDeleted("gone")) {
            _ = try await f.service.store.applyBatch(bankID: f.gone.id, insert: added, deleteExternalIDs: [], at: Date(), returningRows: false)
        }
        let held = try await f.service.store.entries(bankID: f.gone.id, afterID: 0, limit: 10_000).map(\.id)
        #expect(held.count == 1_400)

        try await f.store.deleteBank(id: f.gone.id, batch: 300)
        #expect(try await f.service.store.bank(named: "gone") == nil)
        #expect(try await f.service.store.entryCount(bankID: f.gone.id) == 0)
        #expect(try await f.service.store.entryCount(bankID: f.kept.id) == 1_500)
        let removed = try await f.log(bankID: f.gone.id).filter { $0.op == "entry_removed" }.compactMap(\.entryID)
        #expect(removed.count == 2_000 && Set(removed).isSuperset(of: held), "each removal logged once")
        try await f.follower.syncIndex()
        #expect(f.follower.index.counts.pdq == 1_500)
        await f.close()
    }

    /// While its deletion runs (or after it stopped half way) the bank is marked: enabling it is
    /// refused (it would be live with half its entries gone), and so is its change export, whose
    /// followers would otherwise take the deletion's removals for withdrawals and lose as many of
    /// the entries they hold as batches they happened to read — even when they looked the bank up
    /// before the deletion began. Other banks export as before.
    @Test(arguments: Backend.allCases)
    func aBankBeingDeletedCanNeitherBeEnabledNorExported(backend: Backend) async throws {
        let f = try await Self.fixture(backend)
        let before = try await f.service.store.latestSequence()
        let end = try #require(try await f.service.store.entries(bankID: f.gone.id, afterID: 0, limit: 10_000).last?.id)
        try await f.store.disableForDeletion(bankID: f.gone.id)
        let last = try #require(try await f.store.nextDeletionBatch(ofBank: f.gone.id, after: 0, through: end, batch: 300))
        try await f.store.deleteEntries(ofBank: f.gone.id, after: 0, through: last)

        let half = try #require(try await f.service.store.bank(named: "gone"))
        #expect(half.deleting && !half.enabled)
        var enabled = half
        enabled.enabled = true
        await #expect(throws: BankError.beingDeleted("gone")) { try await f.service.updateBank(enabled) }
        let after = try #require(try await f.service.store.bank(named: "gone"))
        #expect(!after.enabled && after.deleting)
        try await f.follower.syncIndex()
        #expect(!f.follower.match(MatchQuery(pdq: [f.goneHashes[1_999]])).isMatch)

        // Looked up before the deletion began (f.gone), or after: no page of removals either way.
        for bank in [f.gone, half] {
            await #expect(throws: BankError.beingDeleted("gone")) {
                _ = try await f.service.changes(of: bank, from: .init(after: before), limit: 10_000)
            }
        }
        let kept = try await f.service.changes(of: f.kept, from: .init(after: before), limit: 10_000)
        #expect(kept.removed.isEmpty && !kept.bankDeleted)

        try await f.store.deleteBank(id: f.gone.id, batch: 300)
        await #expect(throws: BankError.notFound("bank \"gone\"")) {
            _ = try await f.service.changes(of: f.gone, from: .init(after: before), limit: 10_000)
        }
        await f.close()
    }
}
