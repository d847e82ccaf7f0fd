import Banks
import Foundation
import PDQ
import Storage
import Testing
import VigilTestSupport

/// The change log: two bank services on one database stand for two processes; what one writes,
/// the other's index learns from the log alone.
@Suite(.serialized) struct ChangeLogTests {
    /// Two "processes" on one database, each with its own connection and index.
    static func pair(_ backend: Backend) async throws -> (TestDatabase, BankService, BankService, [VigilDatabase]) {
        let db = try TestDatabase.make(backend)
        let (writer, first) = try await db.service()
        let (reader, second) = try await db.service()
        return (db, writer, reader, [first, second])
    }

    /// Closes the connections, then lets the test database go (dropping it ends its connections).
    static func close(_ databases: [VigilDatabase], _ db: TestDatabase) async {
        for database in databases { await database.close() }
        withExtendedLifetime(db) {}
    }

    @Test(arguments: Backend.allCases)
    func whatOneProcessWritesTheOtherMatchesAfterCatchingUp(backend: Backend) async throws {
        let (db, writer, reader, databases) = try await Self.pair(backend)
        var generator = HashGenerator(seed: 41)
        let hash = generator.randomHash()
        let bank = try await writer.createBank(NewBank(name: "shared"))
        let id = try #require(try await writer.addEntries([NewEntry(signals: EntrySignals(pdq: hash, md5: String(repeating: "a", count: 32)),
                                                                   addedBy: "t")], to: bank).inserted.first?.entryID)
        #expect(!reader.match(MatchQuery(pdq: [hash])).isMatch)
        try await reader.syncIndex()
        #expect(reader.match(MatchQuery(pdq: [hash])).matches.map(\.entryID) == [id])
        #expect(reader.match(MatchQuery(md5: String(repeating: "a", count: 32))).isMatch)

        // A snooze, a bank setting and a removal travel the same way.
        _ = try await writer.snooze(entryID: id, until: Date().addingTimeInterval(3600))
        try await reader.syncIndex()
        #expect(!reader.match(MatchQuery(pdq: [hash])).isMatch)
        _ = try await writer.snooze(entryID: id, until: nil)
        var strict = bank
        strict.pdqThreshold = 0
        _ = try await writer.updateBank(strict)
        try await reader.syncIndex()
        #expect(!reader.match(MatchQuery(pdq: [generator.near(hash, distance: 3)])).isMatch)
        #expect(reader.match(MatchQuery(pdq: [hash])).isMatch)
        _ = try await writer.removeEntry(id: id)
        try await reader.syncIndex()
        #expect(!reader.match(MatchQuery(pdq: [hash])).isMatch)
        #expect(reader.index.counts.pdq == 0 && reader.index.counts.md5 == 0)
        #expect(reader.follower?.appliedSequence == writer.follower?.appliedSequence)
        await Self.close(databases, db)
    }

    /// Followers' lag is measured from a change's stamp: it is when the change was written, late
    /// in its transaction, not the time its caller began the batch (an import batch that takes
    /// seconds to write is not seconds behind the moment it can be followed).
    @Test(arguments: Backend.allCases)
    func aChangeIsStampedWhenItIsWrittenNotWhenItsBatchBegan(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        let bank = try await service.createBank(NewBank(name: "stamped"))
        let store = SQLBankStore(database: database)
        let sequence = try await store.latestSequence()
        var generator = HashGenerator(seed: 44)
        let before = Date()
        let began = before.addingTimeInterval(-3600)
        _ = try await store.applyBatch(bankID: bank.id, insert: [NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t")],
                                       deleteExternalIDs: [], at: began, returningRows: false, checkpoint: { _ in nil })
        let stamped = try #require(try await OperationalQueries(database: database).oldestChange(after: sequence))
        #expect(stamped.timeIntervalSince(before) > -0.01, "stamped \(stamped), batch began \(began)")
        await Self.close([database], db)
    }

    @Test(arguments: Backend.allCases)
    func aDeletedBankLeavesEveryIndex(backend: Backend) async throws {
        let (db, writer, reader, databases) = try await Self.pair(backend)
        var generator = HashGenerator(seed: 42)
        let bank = try await writer.createBank(NewBank(name: "doomed"))
        let hashes = (0..<50).map { _ in generator.randomHash() }
        try await writer.addEntries(hashes.map { NewEntry(signals: EntrySignals(pdq: $0), addedBy: "t") }, to: bank)
        try await reader.syncIndex()
        #expect(reader.index.counts.pdq == 50)
        try await writer.deleteBank(named: "doomed")
        try await reader.syncIndex()
        for index in [writer.index, reader.index] {
            #expect(!index.match(MatchQuery(pdq: [hashes[7]])).isMatch)
            #expect(index.counts.pdq == 0 && index.counts.banks == 0)
        }
        await Self.close(databases, db)
    }

    /// An entry added and removed before a follower reads the log never reaches its index, and
    /// its removal leaves nothing behind.
    @Test(arguments: Backend.allCases)
    func anEntryGoneBeforeTheFollowerReadsItLeavesNoTrace(backend: Backend) async throws {
        let (db, writer, reader, databases) = try await Self.pair(backend)
        var generator = HashGenerator(seed: 43)
        let bank = try await writer.createBank(NewBank(name: "brief"))
        let kept = generator.randomHash(), brief = generator.randomHash()
        let ids = try await writer.addEntries([NewEntry(signals: EntrySignals(pdq: kept), addedBy: "t"),
                                               NewEntry(signals: EntrySignals(pdq: brief), addedBy: "t")], to: bank).inserted
        let briefID = try #require(ids.first { $0.pdq == brief }?.entryID)
        _ = try await writer.removeEntry(id: briefID)
        try await reader.syncIndex()
        #expect(reader.index.counts.pdq == 1)
        #expect(reader.match(MatchQuery(pdq: [kept])).isMatch && !reader.match(MatchQuery(pdq: [brief])).isMatch)
        await Self.close(databases, db)
    }

    /// A process that loads its index while another writes ends equal to one that loads after.
    @Test(arguments: Backend.allCases)
    func anIndexLoadedDuringWritesConvergesOnTheDatabase(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (writer, first) = try await db.service()
        let bank = try await writer.createBank(NewBank(name: "busy"))
        var generator = HashGenerator(seed: 44)
        let batches = (0..<20).map { _ in (0..<200).map { _ in generator.randomHash() } }
        try await writer.addEntries(batches[0].map { NewEntry(signals: EntrySignals(pdq: $0), addedBy: "t") }, to: bank)
        async let writes: Void = {
            for batch in batches.dropFirst() {
                let added = try await writer.addEntries(batch.map { NewEntry(signals: EntrySignals(pdq: $0), addedBy: "t") }, to: bank)
                if let id = added.inserted.first?.entryID { _ = try await writer.removeEntry(id: id) }
            }
        }()
        let (during, second) = try await db.service()
        try await writes
        try await during.syncIndex()
        let (after, third) = try await db.service()
        #expect(during.index.counts == after.index.counts)
        #expect(during.index.counts.pdq == 200 + 19 * 199)
        for batch in batches { #expect(during.match(MatchQuery(pdq: [batch[1]])).isMatch) }
        await Self.close([first, second, third], db)
    }
}
