import Basics
import PDQ

/// What another Vigil reads to follow one of this server's banks (`vigil_remote`): the bank's
/// entries as they are now, then only what changed, by change-log sequence.
///
/// A first read (`after` 0) pages through every entry of the bank, remembering the sequence it
/// began at; later reads walk the change log after their checkpoint and answer the current state
/// of each entry it touched, or its removal. Changes made while a first read pages are in the
/// log after its starting sequence, so the next read replays them: an upsert twice is the same
/// upsert, and the follower converges.
public struct BankChangesPage: Sendable {
    public struct Cursor: Sendable, Equatable {
        public var after: Int64
        /// A first read: the sequence it began at, and the last entry id it has answered.
        public var snapshot: Int64?
        public var afterEntry: Int64?

        public init(after: Int64, snapshot: Int64? = nil, afterEntry: Int64? = nil) {
            self.after = after
            self.snapshot = snapshot
            self.afterEntry = afterEntry
        }
    }

    /// Entries added or changed, as they are now.
    public var entries: [BankEntry]
    /// Entries that left the bank.
    public var removed: [Int64]
    /// The bank itself was deleted: the follower should drop what it has from it.
    public var bankDeleted: Bool
    /// Where to read on; nil when this page ends the read.
    public var next: Cursor?
    /// The sequence a follower that has applied this page (and, for a first read, every page
    /// before it) may read after next time. Final once `next` is nil.
    public var checkpoint: Int64
}

extension BankService {
    /// Refused (`BankError.beingDeleted`, or `notFound` once it is gone) for a bank whose deletion
    /// has begun: the removals a deletion logs in batches would read as withdrawals, and a follower
    /// would lose as many of the entries it shared as the batches it happened to read. Checked
    /// again after the read, since a deletion may begin between the caller's look-up of the bank
    /// and the read (its first removal is logged after it marks the bank).
    public func changes(of bank: Bank, from cursor: BankChangesPage.Cursor, limit: Int) async throws -> BankChangesPage {
        if bank.deleting { throw BankError.beingDeleted(bank.name) }
        let page = try await readChanges(of: bank, from: cursor, limit: limit)
        guard let now = try await store.listBanks().first(where: { $0.id == bank.id }) else { throw BankError.notFound("bank \"\(bank.name)\"") }
        if now.deleting { throw BankError.beingDeleted(bank.name) }
        return page
    }

    private func readChanges(of bank: Bank, from cursor: BankChangesPage.Cursor, limit: Int) async throws -> BankChangesPage {
        let limit = max(1, min(limit, 10_000))
        if cursor.after == 0 {
            let snapshot: Int64
            if let started = cursor.snapshot { snapshot = started } else { snapshot = try await store.latestSequence() }
            let entries = try await store.entries(bankID: bank.id, afterID: cursor.afterEntry ?? 0, limit: limit)
            let more = entries.count == limit
            return BankChangesPage(entries: entries, removed: [], bankDeleted: false,
                                   next: more ? .init(after: 0, snapshot: snapshot, afterEntry: entries.last?.id) : nil, checkpoint: snapshot)
        }
        let changes = try await store.changes(after: cursor.after, limit: limit)
        var touched: [Int64] = [], removed = Set<Int64>(), deleted = false
        for change in changes {
            switch change.kind {
            case let .entriesAdded(present, _):
                touched += present.filter { $0.bankID == bank.id }.map(\.entryID)
            case let .entryRemoved(row) where row.bankID == bank.id:
                removed.insert(row.entryID)
            case let .entrySnoozed(entryID, current) where current?.bankID == bank.id:
                touched.append(entryID)
            case let .entryUpdated(entryID):
                touched.append(entryID)
            case let .bankDeleted(bankID) where bankID == bank.id:
                deleted = true
            default:
                break
            }
        }
        let current = try await store.entries(ids: Array(Set(touched))).filter { $0.bankID == bank.id }
        let present = Set(current.map(\.id))
        let last = changes.last?.sequence ?? cursor.after
        return BankChangesPage(entries: current.sorted { $0.id < $1.id }, removed: removed.subtracting(present).sorted(), bankDeleted: deleted,
                               next: changes.count == limit ? .init(after: last) : nil, checkpoint: last)
    }
}
