@testable import Banks
import Foundation
import PDQ
@testable import Storage
import Testing
import VigilTestSupport

/// Entries' match totals, added a flush at a time, many entries a statement: every entry counted
/// in full across flushes and statements, the latest match kept, an entry deleted since counted
/// nowhere, and other entries untouched.
@Suite struct EntryMatchCountTests {
    @Test(arguments: Backend.allCases)
    func flushesAddUpForEveryEntryAcrossStatements(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        let bank = try await service.createBank(NewBank(name: "counted"))
        var generator = HashGenerator(seed: 41)
        let rows = (0..<1_234).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }
        _ = try await service.store.applyBatch(bankID: bank.id, insert: rows, deleteExternalIDs: [], at: Date(), returningRows: false)
        let ids = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 10_000).map(\.id)
        try #require(ids.count == 1_234)
        let deleted = ids[700]
        _ = try await service.store.deleteEntry(id: deleted)

        let early = Date(timeIntervalSince1970: 1_765_000_000), late = early.addingTimeInterval(60)
        // First flush: every entry but the last 34 (more than two statements' worth), one of them deleted.
        let first = Dictionary(uniqueKeysWithValues: ids.prefix(1_200).enumerated().map { index, id in
            (id, EntryMatchCount(matches: index % 3 + 1, last: index.isMultiple(of: 2) ? late : early))
        })
        try await service.store.addMatches(first)
        // Second: the first 600 again, at the other time.
        let second = Dictionary(uniqueKeysWithValues: ids.prefix(600).map { ($0, EntryMatchCount(matches: 10, last: early)) })
        try await service.store.addMatches(second)

        let totals = try await service.store.feedback(entryIDs: ids)
        for (index, id) in ids.enumerated() where id != deleted {
            let expected = index < 1_200 ? index % 3 + 1 + (index < 600 ? 10 : 0) : 0
            let lastExpected = index < 1_200 ? (index.isMultiple(of: 2) ? late : early) : nil
            #expect(totals[id]?.matches ?? 0 == expected, "entry \(index): \(String(describing: totals[id]))")
            #expect(totals[id]?.lastMatchedAt.map { Int64($0.timeIntervalSince1970) } == lastExpected.map { Int64($0.timeIntervalSince1970) },
                    "entry \(index)")
        }
        #expect(totals[deleted] == nil)
        let rowsStored = try await database.run { sql in
            try await sql.raw("SELECT count(*) AS n FROM entry_matches").first()?.decode(column: "n", as: Int.self)
        }
        #expect(rowsStored == 1_199)
        await database.close()
    }
}
