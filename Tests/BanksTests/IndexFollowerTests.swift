import Banks
import Foundation
import PDQ
import Testing
import VigilTestSupport

/// The index follows the change log, whoever wrote: the domain rules, on the in-memory store.
@Suite struct IndexFollowerTests {
    static func service(_ store: InMemoryBankStore) async throws -> BankService {
        let service = BankService(store: store, index: MatchIndex())
        try await service.loadIndex()
        return service
    }

    @Test func aSecondServiceLearnsEveryKindOfChangeFromTheLog() async throws {
        let store = InMemoryBankStore()
        let writer = try await Self.service(store)
        let reader = try await Self.service(store)
        var generator = HashGenerator(seed: 5)
        let hash = generator.randomHash()
        let bank = try await writer.createBank(NewBank(name: "b"))
        let id = try #require(try await writer.addEntries([NewEntry(signals: EntrySignals(pdq: hash), addedBy: "t")], to: bank).inserted.first?.entryID)
        #expect(!reader.match(MatchQuery(pdq: [hash])).isMatch)
        try await reader.syncIndex()
        #expect(reader.match(MatchQuery(pdq: [hash])).matches.map(\.entryID) == [id])

        _ = try await writer.snooze(entryID: id, until: Date().addingTimeInterval(600))
        try await reader.syncIndex()
        #expect(!reader.match(MatchQuery(pdq: [hash])).isMatch)

        try await writer.deleteBank(named: "b")
        try await reader.syncIndex()
        let counts = reader.index.counts
        #expect(counts.pdq == 0 && counts.banks == 0)
        #expect(reader.follower?.appliedSequence == (try await store.latestSequence()))
    }

    /// A bank whose deletion has begun leaves every replica's index at once, in one pass, and its
    /// entries' rows are skipped from then on (the deletion's removals, one per entry); it takes no
    /// new entries; a replica that loads meanwhile holds none of them; other banks stay.
    @Test func aBankBeingDeletedLeavesTheIndexInOnePass() async throws {
        let store = InMemoryBankStore()
        let writer = try await Self.service(store)
        let reader = try await Self.service(store)
        var generator = HashGenerator(seed: 8)
        let gone = try await writer.createBank(NewBank(name: "gone"))
        let kept = try await writer.createBank(NewBank(name: "kept"))
        func entries(_ count: Int) -> [NewEntry] {
            (0..<count).map { index in
                let md5 = String((String(repeating: "0", count: 32) + String(generator.next(), radix: 16) + String(generator.next(), radix: 16)).suffix(32))
                return NewEntry(signals: EntrySignals(pdq: generator.randomHash(), md5: md5), addedBy: "t")
            }
        }
        let goneEntries = entries(300), keptEntries = entries(200)
        try await writer.addEntries(goneEntries, to: gone)
        try await writer.addEntries(keptEntries, to: kept)
        try await reader.syncIndex()
        #expect(reader.index.counts.pdq == 500 && reader.index.counts.md5 == 500)

        await store.beginDeletion(bankID: gone.id)
        try await reader.syncIndex()
        #expect(reader.index.counts.pdq == 200 && reader.index.counts.md5 == 200, "dropped on the mark, before any removal is logged")
        let late = try await Self.service(store)
        #expect(late.index.counts.pdq == 200 && late.index.counts.md5 == 200, "a replica loading meanwhile")
        let refused = entries(5)
        await #expect(throws: BankError.beingDeleted("gone")) {
            _ = try await store.applyBatch(bankID: gone.id, insert: refused, deleteExternalIDs: [], at: Date(), returningRows: false)
        }

        try await writer.deleteBank(named: "gone")
        for service in [reader, late] {
            try await service.syncIndex()
            #expect(service.index.counts.pdq == 200 && service.index.counts.md5 == 200 && service.index.counts.banks == 1)
            #expect(service.follower?.appliedSequence == (try await store.latestSequence()))
            let goneHit = try #require(goneEntries[7].signals.pdq), keptHit = try #require(keptEntries[7].signals.pdq)
            #expect(!service.match(MatchQuery(pdq: [goneHit], md5: goneEntries[7].signals.md5)).isMatch)
            #expect(service.match(MatchQuery(pdq: [keptHit], md5: keptEntries[7].signals.md5)).matches.map(\.bank.name) == ["kept"])
        }
    }

    /// Replicas that read a deletion late end as the database is: one that reads nothing until the
    /// bank is gone (it learns of it as gone, not as being deleted), one that reads the log a few
    /// changes at a time (batches ending mid-deletion), with an empty bank deleted and a bank
    /// created, filled and deleted between two of their reads.
    @Test func replicasThatReadADeletionLateEndAsTheDatabaseIs() async throws {
        let store = InMemoryBankStore()
        let writer = try await Self.service(store)
        let late = try await Self.service(store)
        let slow = try await Self.service(store)
        var generator = HashGenerator(seed: 9)
        func entries(_ count: Int) -> [NewEntry] { (0..<count).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") } }
        let gone = try await writer.createBank(NewBank(name: "gone"))
        let kept = try await writer.createBank(NewBank(name: "kept"))
        _ = try await writer.createBank(NewBank(name: "empty"))
        let goneEntries = entries(40), keptEntries = entries(30)
        try await writer.addEntries(goneEntries, to: gone)
        try await writer.addEntries(keptEntries, to: kept)
        try await late.syncIndex()
        try await slow.syncIndex()

        try await writer.deleteBank(named: "gone")
        try await writer.deleteBank(named: "empty")
        let brief = try await writer.createBank(NewBank(name: "brief"))
        let briefEntries = entries(10)
        try await writer.addEntries(briefEntries, to: brief)
        try await writer.deleteBank(named: "brief")

        try await late.syncIndex()
        try await slow.follower?.catchUp(batchSize: 7)
        for service in [late, slow] {
            let counts = service.index.counts
            #expect(counts.pdq == 30 && counts.md5 == 0 && counts.banks == 1)
            #expect(service.follower?.appliedSequence == (try await store.latestSequence()))
            for entry in goneEntries + briefEntries { #expect(!service.match(MatchQuery(pdq: [try #require(entry.signals.pdq)])).isMatch) }
            for entry in keptEntries { #expect(service.match(MatchQuery(pdq: [try #require(entry.signals.pdq)])).matches.map(\.bank.name) == ["kept"]) }
        }
    }

    /// A small bank deleted from a large index: its entries become tombstones (nothing is
    /// rewritten), its removal rows are skipped as they come, and what is left matches as before.
    @Test func aSmallBankDeletedAmongManyLeavesAsTombstones() async throws {
        let store = InMemoryBankStore()
        let writer = try await Self.service(store)
        let reader = try await Self.service(store)
        var generator = HashGenerator(seed: 10)
        func entries(_ count: Int) -> [NewEntry] {
            (0..<count).map { _ in
                let md5 = String((String(repeating: "0", count: 32) + String(generator.next(), radix: 16) + String(generator.next(), radix: 16)).suffix(32))
                return NewEntry(signals: EntrySignals(pdq: generator.randomHash(), md5: md5), addedBy: "t")
            }
        }
        let big = try await writer.createBank(NewBank(name: "big")), small = try await writer.createBank(NewBank(name: "small"))
        let bigEntries = entries(490), smallEntries = entries(10)
        try await writer.addEntries(bigEntries, to: big)
        let smallIDs = try await writer.addEntries(smallEntries, to: small).inserted.map(\.entryID)
        try await reader.syncIndex()
        let bytes = reader.index.pdqIndexBytes
        _ = try await writer.removeEntry(id: smallIDs[0])  // one removed before the deletion
        try await writer.deleteBank(named: "small")
        try await reader.follower?.catchUp(batchSize: 3)
        let counts = reader.index.counts
        #expect(counts.pdq == 490 && counts.md5 == 490 && counts.banks == 1)
        #expect(reader.index.pdqIndexBytes == bytes, "tombstones, not a rewrite")
        for entry in smallEntries { #expect(!reader.match(MatchQuery(pdq: [try #require(entry.signals.pdq)], md5: entry.signals.md5)).isMatch) }
        for entry in bigEntries.prefix(50) {
            #expect(reader.match(MatchQuery(pdq: [try #require(entry.signals.pdq)], md5: entry.signals.md5)).matches.map(\.bank.name) == ["big"])
        }
    }

    /// Many writers and catch-ups at once: every change is applied exactly once.
    @Test func concurrentCatchUpsApplyEachChangeOnce() async throws {
        let store = InMemoryBankStore()
        let writer = try await Self.service(store)
        let reader = try await Self.service(store)
        let bank = try await writer.createBank(NewBank(name: "busy"))
        var generator = HashGenerator(seed: 6)
        let batches = (0..<40).map { _ in (0..<25).map { _ in generator.randomHash() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in batches {
                group.addTask {
                    try await writer.addEntries(batch.map { NewEntry(signals: EntrySignals(pdq: $0), addedBy: "t") }, to: bank)
                    try await reader.syncIndex()
                }
                group.addTask { try await reader.syncIndex() }
            }
            try await group.waitForAll()
        }
        try await reader.syncIndex()
        #expect(reader.index.counts.pdq == 1000 && writer.index.counts.pdq == 1000)
        for batch in batches { #expect(reader.match(MatchQuery(pdq: [batch[3]], threshold: 0)).matches.count == 1) }
    }

    /// A routine re-sync of the same list changes nothing a curator did.
    @Test func reimportKeepsTheEntryItsSnoozeAndItsNote() async throws {
        let store = InMemoryBankStore()
        let service = try await Self.service(store)
        let bank = try await service.createBank(NewBank(name: "sync"))
        var generator = HashGenerator(seed: 7)
        let entry = NewEntry(signals: EntrySignals(pdq: generator.randomHash()), metadata: EntryMetadata(externalID: "e1", source: "list"),
                             addedBy: "t")
        let id = try #require(try await service.addEntries([entry], to: bank).inserted.first?.entryID)
        _ = try await service.setNote(entryID: id, "checked")
        let again = try await service.addEntries([entry], to: bank)
        #expect(again.insertedCount == 0 && again.replaced.isEmpty && again.updated == 0)
        #expect(try await service.entry(id: id).metadata.note == "checked")
    }
}
