public import Foundation

/// One row of the change log, as the index needs it: every write to banks and entries appends one
/// in the same transaction, with a sequence that only grows, so any process can bring its index
/// from the state at one sequence to the state at a later one by applying the rows between.
public struct BankChange: Sendable {
    public var sequence: Int64
    public var kind: Kind
    public var at: Date

    public enum Kind: Sendable {
        /// A bank was created or its settings changed; nil when it has been deleted since.
        case bankChanged(bankID: Int64, current: Bank?)
        /// A bank was deleted (its entries' removals are logged before this row).
        case bankDeleted(bankID: Int64)
        /// Entries added by one batch: the rows that still exist, and the ids of the batch's
        /// rows that are already gone again (a removal row for each follows).
        case entriesAdded(present: [IndexRow], missing: [Int64])
        /// An entry left its bank; the row carries the signals it was indexed under.
        case entryRemoved(IndexRow)
        /// An entry's snooze changed; nil when the entry is gone.
        case entrySnoozed(entryID: Int64, current: IndexRow?)
        /// Metadata only (note, source, extra): nothing the index holds.
        case entryUpdated(entryID: Int64)
    }

    public init(sequence: Int64, kind: Kind, at: Date) {
        self.sequence = sequence
        self.kind = kind
        self.at = at
    }
}

/// The change log as the domain reads it.
public protocol BankChangeFeed: Sendable {
    /// Changes after `sequence`, oldest first, at most `limit`, each resolved against the current
    /// rows (so an entry added and removed since reads as missing, never as stale data).
    func changes(after sequence: Int64, limit: Int) async throws -> [BankChange]
    /// The newest sequence written (0 when the log is empty).
    func latestSequence() async throws -> Int64
}
