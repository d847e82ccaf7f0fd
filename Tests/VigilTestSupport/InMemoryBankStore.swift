public import Banks
public import Foundation
import PDQ

/// `BankStore` in memory, with the same rules as the SQL store (one signal once per bank,
/// external ids reconciled, every change logged), so domain code is tested without a database.
public actor InMemoryBankStore: BankStore {
    private var banks: [Int64: Bank] = [:]
    private var entries: [Int64: BankEntry] = [:]
    private var matchCounts: [Int64: EntryMatchCount] = [:]
    private var votes: [Int64: [String: ListVote.Direction]] = [:]
    private var log: [(sequence: Int64, change: Change, at: Date)] = []
    private var nextBankID: Int64 = 1
    private var nextEntryID: Int64 = 1

    enum Change {
        case bankChanged(Int64), bankDeleted(Int64), entriesAdded([Int64]), entryRemoved(IndexRow), entrySnoozed(Int64), entryUpdated(Int64)
    }

    public init() {}

    private func append(_ change: Change) {
        log.append(((log.last?.sequence ?? 0) + 1, change, Date()))
    }

    private static func row(_ entry: BankEntry) -> IndexRow {
        IndexRow(entryID: entry.id, bankID: entry.bankID, pdq: entry.signals.pdq, md5: entry.signals.md5, sha256: entry.signals.sha256,
                 disabledUntil: entry.disabledUntil)
    }

    // MARK: banks

    public func createBank(_ bank: NewBank, at time: Date) async throws -> Bank {
        guard !banks.values.contains(where: { $0.name == bank.name }) else { throw BankError.alreadyExists(bank.name) }
        let created = Bank(id: nextBankID, name: bank.name, description: bank.description, kind: bank.kind, enabled: bank.enabled,
                           pdqThreshold: bank.pdqThreshold, labels: bank.labels, guards: bank.guards, createdAt: time, updatedAt: time)
        nextBankID += 1
        banks[created.id] = created
        append(.bankChanged(created.id))
        return created
    }

    public func listBanks() async throws -> [Bank] { banks.values.sorted { $0.name < $1.name } }

    public func entryID(bankID: Int64, holding signals: EntrySignals) async throws -> Int64? {
        entries.values.filter { entry in
            entry.bankID == bankID && ((signals.pdq != nil && entry.signals.pdq == signals.pdq)
                || (signals.md5 != nil && entry.signals.md5 == signals.md5) || (signals.sha256 != nil && entry.signals.sha256 == signals.sha256))
        }.map(\.id).min()
    }

    public func bank(named name: String) async throws -> Bank? { banks.values.first { $0.name.lowercased() == name.lowercased() } }

    public func updateBank(_ bank: Bank) async throws -> Bank {
        guard let current = banks[bank.id] else { throw BankError.notFound("bank \"\(bank.name)\"") }
        if current.deleting { throw BankError.beingDeleted(bank.name) }
        var updated = bank
        updated.deleting = false  // only a deletion marks a bank
        updated.updatedAt = Date()
        banks[bank.id] = updated
        append(.bankChanged(bank.id))
        return updated
    }

    /// As the SQL store: the bank marked (disabled, deleting) first, then its entries' removals.
    public func deleteBank(id: Int64) async throws {
        beginDeletion(bankID: id)
        for entry in entries.values.filter({ $0.bankID == id }).sorted(by: { $0.id < $1.id }) {
            entries[entry.id] = nil
            append(.entryRemoved(Self.row(entry)))
        }
        banks[id] = nil
        append(.bankDeleted(id))
    }

    /// What a deletion does first (and all a deletion stopped before its first batch did).
    public func beginDeletion(bankID id: Int64) {
        guard var bank = banks[id], !bank.deleting else { return }
        bank.enabled = false
        bank.deleting = true
        banks[id] = bank
        append(.bankChanged(id))
    }

    // MARK: entries

    public func applyBatch(bankID: Int64, insert new: [NewEntry], deleteExternalIDs: [String], at time: Date,
                           returningRows: Bool, checkpoint: @Sendable (BatchOutcome) throws -> BatchCheckpoint?) async throws -> BatchOutcome {
        guard let bank = banks[bankID] else { throw BankError.notFound("bank \(bankID)") }
        if bank.deleting { throw BankError.beingDeleted(bank.name) }
        let incomingIDs = Set(new.compactMap(\.metadata.externalID))
        let withdrawn = removeEntries { $0.bankID == bankID && $0.metadata.externalID.map { Set(deleteExternalIDs).subtracting(incomingIDs).contains($0) } == true }
        var lastIndex: [String: Int] = [:]
        for (i, entry) in new.enumerated() { if let id = entry.metadata.externalID { lastIndex[id] = i } }
        var toInsert: [NewEntry] = [], replacing: Set<String> = [], updated = 0
        for (i, entry) in new.enumerated() {
            guard let externalID = entry.metadata.externalID else { toInsert.append(entry); continue }
            guard lastIndex[externalID] == i else { continue }
            let stored = entries.values.filter { $0.bankID == bankID && $0.metadata.externalID == externalID }
            if stored.isEmpty { toInsert.append(entry); continue }
            let same = stored.first { $0.signals.pdq == entry.signals.pdq && $0.signals.md5 == entry.signals.md5 && $0.signals.sha256 == entry.signals.sha256 }
            guard let same, stored.count == 1 else { replacing.insert(externalID); toInsert.append(entry); continue }
            if same.metadata.source != entry.metadata.source || same.metadata.extra != entry.metadata.extra {
                var changed = same
                changed.metadata.source = entry.metadata.source
                changed.metadata.extra = entry.metadata.extra
                entries[same.id] = changed
                append(.entryUpdated(same.id))
                updated += 1
            }
        }
        let replaced = removeEntries { $0.bankID == bankID && $0.metadata.externalID.map(replacing.contains) == true }
        var inserted: [IndexRow] = []
        for entry in toInsert {
            let clash = entries.values.contains { stored in
                stored.bankID == bankID && ((entry.signals.pdq != nil && stored.signals.pdq == entry.signals.pdq)
                    || (entry.signals.md5 != nil && stored.signals.md5 == entry.signals.md5)
                    || (entry.signals.sha256 != nil && stored.signals.sha256 == entry.signals.sha256))
            }
            if clash { continue }
            let stored = BankEntry(id: nextEntryID, bankID: bankID, signals: entry.signals, metadata: entry.metadata, disabledUntil: entry.disabledUntil,
                                   addedBy: entry.addedBy, addedAt: time)
            nextEntryID += 1
            entries[stored.id] = stored
            inserted.append(Self.row(stored))
        }
        if !inserted.isEmpty { append(.entriesAdded(inserted.map(\.entryID))) }
        return BatchOutcome(inserted: returningRows ? inserted : [], insertedCount: inserted.count, duplicates: new.count - inserted.count,
                            updated: updated, withdrawn: withdrawn, replaced: replaced)
    }

    private func removeEntries(_ predicate: (BankEntry) -> Bool) -> [IndexRow] {
        let doomed = entries.values.filter(predicate).sorted { $0.id < $1.id }
        for entry in doomed {
            entries[entry.id] = nil
            append(.entryRemoved(Self.row(entry)))
        }
        return doomed.map(Self.row)
    }

    public func deleteEntry(id: Int64) async throws -> BankEntry? {
        guard let entry = entries[id] else { return nil }
        _ = removeEntries { $0.id == id }
        return entry
    }

    public func setDisabledUntil(entryID: Int64, _ until: Date?) async throws -> BankEntry? {
        guard var entry = entries[entryID] else { return nil }
        entry.disabledUntil = until
        entries[entryID] = entry
        append(.entrySnoozed(entryID))
        return entry
    }

    public func setNote(entryID: Int64, _ note: String?) async throws -> BankEntry? {
        guard var entry = entries[entryID] else { return nil }
        entry.metadata.note = note
        entries[entryID] = entry
        append(.entryUpdated(entryID))
        return entry
    }

    public func quarantine(entryID: Int64, _ quarantine: EntryQuarantine) async throws -> BankEntry? {
        guard var entry = entries[entryID] else { return nil }
        guard entry.metadata.quarantine == nil else { return entry }
        entry.metadata.quarantine = quarantine
        entry.disabledUntil = EntryQuarantine.until
        entries[entryID] = entry
        append(.entrySnoozed(entryID))
        return entry
    }

    public func restore(entryID: Int64) async throws -> BankEntry? {
        guard var entry = entries[entryID] else { return nil }
        guard entry.metadata.quarantine != nil else { return entry }
        entry.metadata.quarantine = nil
        entry.disabledUntil = nil
        entries[entryID] = entry
        append(.entrySnoozed(entryID))
        return entry
    }

    /// Verdicts are counted by the case store, which this store does not have: matches only here.
    public func feedback(entryIDs: [Int64]) async throws -> [Int64: EntryFeedback] {
        var found: [Int64: EntryFeedback] = [:]
        for id in entryIDs { if let count = matchCounts[id] { found[id] = EntryFeedback(matches: count.matches, lastMatchedAt: count.last) } }
        for id in entryIDs {
            for vote in (votes[id] ?? [:]).values {
                if vote == .up { found[id, default: EntryFeedback()].followerConfirmations += 1 } else { found[id, default: EntryFeedback()].followerFalsePositives += 1 }
            }
        }
        return found
    }

    public func bankFeedback(bankID: Int64?) async throws -> [Int64: EntryFeedback] {
        var found: [Int64: EntryFeedback] = [:]
        for (id, count) in matchCounts {
            guard let owner = entries[id]?.bankID, bankID.map({ $0 == owner }) ?? true else { continue }
            found[owner, default: EntryFeedback()].matches += count.matches
            found[owner, default: EntryFeedback()].lastMatchedAt = max(found[owner]?.lastMatchedAt ?? count.last, count.last)
        }
        return found
    }

    /// Writes of match totals so far, each one transaction (`addMatches` calls).
    public private(set) var matchWrites: [[Int64: EntryMatchCount]] = []
    /// From which write on (counted from 1) `addMatches` fails, writing nothing; nil: none fails.
    private var matchWritesFailFrom: Int?

    public struct MatchWriteRefused: Error {}

    public func failMatchWrites(from write: Int?) { matchWritesFailFrom = write }

    public func addMatches(_ counts: [Int64: EntryMatchCount]) async throws {
        if let from = matchWritesFailFrom, matchWrites.count + 1 >= from { throw MatchWriteRefused() }
        matchWrites.append(counts)
        for (id, count) in counts {
            var total = matchCounts[id] ?? EntryMatchCount(matches: 0, last: count.last)
            total.matches += count.matches
            total.last = max(total.last, count.last)
            matchCounts[id] = total
        }
    }

    public func recordVote(entryID: Int64, voter: String, direction: ListVote.Direction, at time: Date) async throws {
        votes[entryID, default: [:]][voter] = direction
    }

    public func quarantined(bankID: Int64, limit: Int) async throws -> [BankEntry] {
        Array(entries.values.filter { $0.bankID == bankID && $0.metadata.quarantine != nil }.sorted { $0.id < $1.id }.prefix(limit))
    }

    public func quarantinedCounts(bankID: Int64?) async throws -> [Int64: Int] {
        var counts: [Int64: Int] = [:]
        for entry in entries.values where entry.metadata.quarantine != nil && (bankID.map { $0 == entry.bankID } ?? true) {
            counts[entry.bankID, default: 0] += 1
        }
        return counts
    }

    public func entry(id: Int64) async throws -> BankEntry? { entries[id] }

    public func entries(ids: [Int64]) async throws -> [BankEntry] { ids.compactMap { entries[$0] } }

    public func entries(bankID: Int64, afterID: Int64, limit: Int) async throws -> [BankEntry] {
        Array(entries.values.filter { $0.bankID == bankID && $0.id > afterID }.sorted { $0.id < $1.id }.prefix(limit))
    }

    public func entryCounts() async throws -> [Int64: Int] {
        entries.values.reduce(into: [:]) { $0[$1.bankID, default: 0] += 1 }
    }

    public func entryCount(bankID: Int64) async throws -> Int { entries.values.filter { $0.bankID == bankID }.count }

    public func forEachIndexRow(chunkSize: Int, _ body: @Sendable ([IndexRow]) async throws -> Void) async throws -> IndexSnapshot {
        let rows = entries.values.sorted { $0.id < $1.id }.map(Self.row)
        let snapshot = IndexSnapshot(sequence: log.last?.sequence ?? 0, banks: Array(banks.values))
        for start in stride(from: 0, to: rows.count, by: max(1, chunkSize)) {
            try await body(Array(rows[start..<min(start + chunkSize, rows.count)]))
        }
        return snapshot
    }

    // MARK: change feed

    public func latestSequence() async throws -> Int64 { log.last?.sequence ?? 0 }

    /// The next read of the change log first begins the deletion of this bank and deletes one of
    /// its entries (its removal logged): a deletion that starts between a caller's look-up of the
    /// bank and its read of the log.
    public func beginDeletionAtNextRead(bankID: Int64) { deletionAtNextRead = bankID }
    private var deletionAtNextRead: Int64?

    public func changes(after sequence: Int64, limit: Int) async throws -> [BankChange] {
        if let id = deletionAtNextRead {
            deletionAtNextRead = nil
            beginDeletion(bankID: id)
            if let entry = entries.values.filter({ $0.bankID == id }).min(by: { $0.id < $1.id }) {
                entries[entry.id] = nil
                append(.entryRemoved(Self.row(entry)))
            }
        }
        return log.filter { $0.sequence > sequence }.prefix(limit).map { item in
            let kind: BankChange.Kind = switch item.change {
            case let .bankChanged(id): .bankChanged(bankID: id, current: banks[id])
            case let .bankDeleted(id): .bankDeleted(bankID: id)
            case let .entriesAdded(ids):
                .entriesAdded(present: ids.compactMap { entries[$0].map(Self.row) }, missing: ids.filter { entries[$0] == nil })
            case let .entryRemoved(row): .entryRemoved(row)
            case let .entrySnoozed(id): .entrySnoozed(entryID: id, current: entries[id].map(Self.row))
            case let .entryUpdated(id): .entryUpdated(entryID: id)
            }
            return BankChange(sequence: item.sequence, kind: kind, at: item.at)
        }
    }
}
