import Banks
import Foundation
import PDQ
import Testing
import VigilTestSupport

/// Match totals are written a few hundred entries a transaction; a write that fails keeps its
/// counts and those after it for the next flush, and the totals end exact: nothing lost, nothing
/// counted twice.
@Suite struct EntryMatchTallyTests {
    @Test func aLargeFlushIsWrittenInShortTransactionsAndAFailedOneLosesAndDoublesNothing() async throws {
        let store = InMemoryBankStore()
        let banks = BankService(store: store, index: MatchIndex())
        let bank = try await banks.createBank(NewBank(name: "counted"))
        var generator = HashGenerator(seed: 43)
        let added = try await banks.addEntries((0..<1_234).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") }, to: bank)
        let ids = added.inserted.map(\.entryID)
        try #require(ids.count == 1_234)
        let tally = EntryMatchTally(banks: banks)
        let time = Date(timeIntervalSince1970: 1_765_000_000)
        tally.count(ids, at: time)
        tally.count(Array(ids.prefix(10)), at: time.addingTimeInterval(5))

        await store.failMatchWrites(from: 2)
        await #expect(throws: InMemoryBankStore.MatchWriteRefused.self) { try await tally.flush() }
        let firstWrite = try #require(await store.matchWrites.first)
        #expect(await store.matchWrites.count == 1 && firstWrite.count == 500, "the first 500 written, in one transaction")

        await store.failMatchWrites(from: nil)
        try await tally.flush()
        let writes = await store.matchWrites
        #expect(writes.map(\.count) == [500, 500, 234], "\(writes.map(\.count))")
        let totals = try await banks.feedback(entryIDs: ids)
        #expect(ids.enumerated().allSatisfy { index, id in totals[id]?.matches == (index < 10 ? 2 : 1) })
        #expect(totals[ids[0]]?.lastMatchedAt == time.addingTimeInterval(5))
        try await tally.flush()
        #expect(await store.matchWrites.count == 3, "nothing left to write")
    }
}
