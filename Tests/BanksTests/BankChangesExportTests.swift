import Banks
import Foundation
import PDQ
import Testing
import VigilTestSupport

/// The export another Vigil follows never passes on a deletion's removals as withdrawals: a
/// deletion that begins after the caller looked the bank up, but before the log is read, is
/// caught by the check after the read. Withdrawals before it are passed on as ever.
@Suite struct BankChangesExportTests {
    @Test func aDeletionBegunDuringTheReadIsRefusedNotExported() async throws {
        let store = InMemoryBankStore()
        let service = BankService(store: store, index: MatchIndex())
        try await service.loadIndex()
        var generator = HashGenerator(seed: 9)
        let bank = try await service.createBank(NewBank(name: "shared"))
        let ids = try await service.addEntries((0..<3).map { _ in NewEntry(signals: EntrySignals(pdq: generator.randomHash()), addedBy: "t") },
                                               to: bank).inserted.map(\.entryID)
        let checkpoint = try await store.latestSequence()
        // A withdrawal before any deletion is exported.
        _ = try await service.removeEntry(id: ids[2])
        let withdrawn = try await service.changes(of: bank, from: .init(after: checkpoint), limit: 100)
        #expect(withdrawn.removed == [ids[2]])

        let lookedUp = try await service.bank(named: "shared")
        #expect(!lookedUp.deleting)
        await store.beginDeletionAtNextRead(bankID: bank.id)
        await #expect(throws: BankError.beingDeleted("shared")) {
            _ = try await service.changes(of: lookedUp, from: .init(after: checkpoint), limit: 100)
        }
        // The read did see the deletion's removal: without the check after it, it was exported.
        let log = try await store.changes(after: checkpoint, limit: 100)
        #expect(log.contains { if case let .entryRemoved(row) = $0.kind { row.entryID == ids[0] } else { false } })
    }
}
