@testable import Banks
import Foundation
import PDQ
@testable import Storage
import Testing
import VigilTestSupport

/// A bank is deleted a batch of entries a transaction (one transaction for a 10M-entry bank held
/// SQLite's only writer for 47 s): the end is what one transaction left — the bank and all its
/// entries gone, each removal logged once before the bank's deletion, other banks untouched,
/// and another replica following the log alone agrees.
@Suite struct BankDeletionTests {
    @Test(arguments: Backend.allCases)
    func aBankDeletedInBatchesLeavesWhatOneTransactionLeft(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let (follower, followerDatabase) = try await db.service()
        defer { Task { await followerDatabase.close() } }
        let gone = try await service.createBank(NewBank(name: "gone"))
        let kept = try await service.createBank(NewBank(name: "kept"))
        var generator = HashGenerator(seed: 31)
        // Batches of the two banks in turn, so their ids interleave; some entries matched.
        var goneHashes: [PDQHash] = []
        for round in 0..<7 {
            let rows = (0..<500).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }
            let bank = round % 2 == 0 ? gone : kept
            if bank.id == gone.id { goneHashes += rows.compactMap(\.signals.pdq) }
            _ = try await service.store.applyBatch(bankID: bank.id, insert: rows, deleteExternalIDs: [], at: Date(), returningRows: false)
        }
        try await follower.syncIndex()
        let keptCount = try await service.store.entryCount(bankID: kept.id)
        let goneIDs = try await service.store.entries(bankID: gone.id, afterID: 0, limit: 10_000).map(\.id)
        try #require(goneIDs.count == 2_000 && keptCount == 1_500)

        let store = try #require(service.store as? SQLBankStore)
        // 2 000 entries in batches of 300: six batches, the last 200 with the bank.
        try await store.deleteBank(id: gone.id, batch: 300)

        #expect(try await service.store.bank(named: "gone") == nil)
        #expect(try await service.store.entryCount(bankID: gone.id) == 0)
        #expect(try await service.store.entryCount(bankID: kept.id) == keptCount)
        let log = try await database.run { sql in
            try await sql.raw("SELECT op, entry_id FROM bank_changes WHERE bank_id = \(bind: gone.id) AND op IN ('entry_removed', 'bank_deleted') ORDER BY seq").all()
                .map { (try $0.decode(column: "op", as: String.self), try $0.decode(column: "entry_id", as: Int64?.self)) }
        }
        #expect(log.last?.0 == "bank_deleted")
        let removed = log.filter { $0.0 == "entry_removed" }.compactMap(\.1)
        #expect(removed.count == 2_000 && Set(removed) == Set(goneIDs), "each removal logged once")
        #expect(log.dropLast().allSatisfy { $0.0 == "entry_removed" })
        try await follower.syncIndex()
        #expect(follower.index.counts.pdq == keptCount)
        #expect(!follower.match(MatchQuery(pdq: [goneHashes[1_234]])).isMatch)
    }
}
