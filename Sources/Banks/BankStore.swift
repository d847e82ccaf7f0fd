public import Foundation
public import PDQ

/// The storage port the domain needs. Storage adapters (SQLite, PostgreSQL) implement it.
public protocol BankStore: BankChangeFeed {
    func createBank(_ bank: NewBank, at time: Date) async throws -> Bank
    func listBanks() async throws -> [Bank]
    /// The bank with this name, whatever its case (`known_bad` finds `KNOWN_BAD`: names are unique without regard to case).
    func bank(named name: String) async throws -> Bank?
    func updateBank(_ bank: Bank) async throws -> Bank
    func deleteBank(id: Int64) async throws

    /// Applies one import batch atomically — all of it or none of it: deletes the entries whose
    /// external id is listed; for a new entry whose external id is already stored, keeps the stored
    /// entry when the signals are the same (updating its source and extra metadata in place when
    /// they changed, never its note or snooze) and replaces it when they differ; then inserts the
    /// new entries, skipping those whose signal is already in the bank. Every change is logged.
    /// With `returningRows` false the outcome carries counts only. `checkpoint`, given the batch's
    /// outcome, returns a job checkpoint to commit in the same transaction; if that job is no
    /// longer held by its owner the whole batch is refused (`BankError.checkpointRefused`).
    func applyBatch(bankID: Int64, insert entries: [NewEntry], deleteExternalIDs: [String], at time: Date,
                    returningRows: Bool, checkpoint: @Sendable (BatchOutcome) throws -> BatchCheckpoint?) async throws -> BatchOutcome
    func deleteEntry(id: Int64) async throws -> BankEntry?
    func setDisabledUntil(entryID: Int64, _ until: Date?) async throws -> BankEntry?
    func setNote(entryID: Int64, _ note: String?) async throws -> BankEntry?
    /// Takes an entry out of matching (snoozed until `EntryQuarantine.until`) with its reason, in
    /// one change; nil when there is no such entry. A quarantined entry stays as it is.
    func quarantine(entryID: Int64, _ quarantine: EntryQuarantine) async throws -> BankEntry?
    /// Puts a quarantined entry back into matching; nil when there is no such entry.
    func restore(entryID: Int64) async throws -> BankEntry?
    /// These entries' matches and reviewers' verdicts on them (entries with none are absent).
    func feedback(entryIDs: [Int64]) async throws -> [Int64: EntryFeedback]
    /// Every bank's entries' matches and verdicts together, by bank id (banks with none are
    /// absent); with `bankID`, that bank's alone.
    func bankFeedback(bankID: Int64?) async throws -> [Int64: EntryFeedback]
    /// Adds matches counted by a replica to the entries' totals.
    func addMatches(_ counts: [Int64: EntryMatchCount]) async throws
    /// Records a following Vigil's vote on an entry (`voter`: its key); a later vote of the same
    /// voter replaces the earlier.
    func recordVote(entryID: Int64, voter: String, direction: ListVote.Direction, at time: Date) async throws
    /// The quarantined entries of a bank, oldest first (at most `limit`).
    func quarantined(bankID: Int64, limit: Int) async throws -> [BankEntry]
    /// How many entries each bank has in quarantine (banks with none are absent); with `bankID`,
    /// that bank's alone.
    func quarantinedCounts(bankID: Int64?) async throws -> [Int64: Int]
    func entry(id: Int64) async throws -> BankEntry?
    /// The entries with these ids that exist, in one query.
    func entries(ids: [Int64]) async throws -> [BankEntry]
    /// The entry of the bank holding any of these signals exactly (snoozed or not), or nil.
    func entryID(bankID: Int64, holding signals: EntrySignals) async throws -> Int64?
    /// Entries of a bank in id order, for paging and export.
    func entries(bankID: Int64, afterID: Int64, limit: Int) async throws -> [BankEntry]
    func entryCount(bankID: Int64) async throws -> Int
    /// Every bank's entry count, in one query.
    func entryCounts() async throws -> [Int64: Int]

    /// Every bank and every entry's signals (in chunks), read in one consistent snapshot, for
    /// building the index at start; returns the banks and the change-log sequence of that snapshot.
    func forEachIndexRow(chunkSize: Int, _ body: @Sendable ([IndexRow]) async throws -> Void) async throws -> IndexSnapshot
}

/// What an index load read besides the rows: the banks and the log sequence they are as of.
public struct IndexSnapshot: Sendable {
    public var sequence: Int64
    public var banks: [Bank]

    public init(sequence: Int64, banks: [Bank]) {
        self.sequence = sequence
        self.banks = banks
    }
}

public struct BatchOutcome: Sendable {
    /// The inserted rows (empty unless asked for).
    public var inserted: [IndexRow]
    public var insertedCount: Int
    public var duplicates: Int
    /// Stored entries whose source or extra metadata the batch updated in place.
    public var updated: Int = 0
    /// Entries deleted because the source withdrew their external id.
    public var withdrawn: [IndexRow]
    /// Entries deleted because a new entry carries their external id with other signals.
    public var replaced: [IndexRow]

    public var removed: [IndexRow] { withdrawn + replaced }

    public init(inserted: [IndexRow], insertedCount: Int, duplicates: Int, updated: Int = 0, withdrawn: [IndexRow],
                replaced: [IndexRow]) {
        self.inserted = inserted
        self.insertedCount = insertedCount
        self.duplicates = duplicates
        self.updated = updated
        self.withdrawn = withdrawn
        self.replaced = replaced
    }
}

/// The part of an entry the index needs.
public struct IndexRow: Sendable {
    public var entryID: Int64
    public var bankID: Int64
    public var pdq: PDQHash?
    public var md5: String?
    public var sha256: String?
    public var disabledUntil: Date?

    public init(entryID: Int64, bankID: Int64, pdq: PDQHash?, md5: String?, sha256: String?, disabledUntil: Date?) {
        self.entryID = entryID
        self.bankID = bankID
        self.pdq = pdq
        self.md5 = md5
        self.sha256 = sha256
        self.disabledUntil = disabledUntil
    }
}

extension BankStore {
    public func applyBatch(bankID: Int64, insert entries: [NewEntry], deleteExternalIDs: [String], at time: Date,
                           returningRows: Bool) async throws -> BatchOutcome {
        try await applyBatch(bankID: bankID, insert: entries, deleteExternalIDs: deleteExternalIDs, at: time, returningRows: returningRows,
                             checkpoint: { _ in nil })
    }
}
