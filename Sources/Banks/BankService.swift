public import Foundation
import Synchronization

/// The banks use cases. Every change goes to storage, which logs it in the same transaction; the
/// index learns of it from that log (`IndexFollower`), whichever process wrote it. A write here
/// waits for its own change to reach the local index, so a hash is matchable when its write returns.
public final class BankService: Sendable {
    let store: any BankStore
    public let index: MatchIndex
    /// Nil for one-shot tools that never match (a CLI import): writes then skip the index.
    public let follower: IndexFollower?
    /// Runs an index update. An update can merge segments (seconds of CPU at 10M hashes), so a
    /// server passes a runner that moves it to a thread of its own instead of a request's.
    public typealias IndexUpdateRunner = @Sendable (@escaping @Sendable () -> Void) async -> Void
    private let users = Mutex<(@Sendable (Bank) async throws -> [String])?>(nil)

    public init(store: any BankStore, index: MatchIndex, maintainsIndex: Bool = true,
                indexUpdates: @escaping IndexUpdateRunner = { update in update() }) {
        self.store = store
        self.index = index
        self.follower = maintainsIndex ? IndexFollower(index: index, store: store, feed: store, indexUpdates: indexUpdates) : nil
    }

    public var maintainsIndex: Bool { follower != nil }

    /// Brings the local index up to every committed change (this process's and any other's).
    public func syncIndex() async throws {
        try await follower?.catchUp()
    }

    /// Loads the index from storage, then follows the change log from the sequence it was read at.
    public func loadIndex() async throws {
        try await follower?.load()
    }

    public func createBank(_ new: NewBank) async throws -> Bank {
        try new.validate()
        if try await store.bank(named: new.name) != nil { throw BankError.alreadyExists(new.name) }
        let bank = try await store.createBank(new, at: Date())
        try await syncIndex()
        return bank
    }

    public func bank(named name: String) async throws -> Bank {
        guard let bank = try await store.bank(named: name) else { throw BankError.notFound("bank \"\(name)\"") }
        return bank
    }

    public func listBanks() async throws -> [Bank] { try await store.listBanks() }

    /// Every bank with its number of entries (counted in one grouped query, not one per bank).
    public func banksWithEntryCounts() async throws -> [(bank: Bank, entries: Int)] {
        let counts = try await store.entryCounts()
        return try await store.listBanks().map { ($0, counts[$0.id] ?? 0) }
    }

    public func entryCount(of bank: Bank) async throws -> Int { try await store.entryCount(bankID: bank.id) }

    /// The bank's entry holding any of these signals exactly, snoozed or not, whether the bank is
    /// enabled or not (what adding them again would have duplicated), or nil.
    public func entryID(holding signals: EntrySignals, in bank: Bank) async throws -> Int64? {
        try await store.entryID(bankID: bank.id, holding: signals)
    }

    /// Entries by id, in one query (those that are gone are left out).
    public func entries(ids: [Int64]) async throws -> [BankEntry] { try await store.entries(ids: ids) }

    /// A page of a bank's entries in id order, after `afterID`.
    public func entries(of bank: Bank, after afterID: Int64, limit: Int) async throws -> [BankEntry] {
        try await store.entries(bankID: bank.id, afterID: afterID, limit: limit)
    }

    /// The bank with this name, or nil.
    public func findBank(named name: String) async throws -> Bank? { try await store.bank(named: name) }

    /// The entry with this id, or nil.
    public func findEntry(id: Int64) async throws -> BankEntry? { try await store.entry(id: id) }

    /// True for storage nothing was ever written to: no bank now, and none in the change log.
    public func isPristine() async throws -> Bool {
        guard try await store.latestSequence() == 0 else { return false }
        return try await store.listBanks().isEmpty
    }

    /// Changes a bank's settings; renaming it or changing its kind is refused (`BankError.inUse`)
    /// while a published workflow names it, unless `force`.
    public func updateBank(_ bank: Bank, force: Bool = false) async throws -> Bank {
        try NewBank(settingsOf: bank).validate()
        // A rename must not take another bank's name.
        if let holder = try await store.bank(named: bank.name), holder.id != bank.id { throw BankError.alreadyExists(bank.name) }
        if !force, let current = try await store.listBanks().first(where: { $0.id == bank.id }), current.name != bank.name || current.kind != bank.kind {
            try await requireUnused(current, change: current.name != bank.name ? "renaming" : "making it an allow bank, or a match bank,")
        }
        let updated = try await store.updateBank(bank)
        try await syncIndex()
        return updated
    }

    /// Deletes a bank; refused (`BankError.inUse`) while something named by `usedBy` (a
    /// published workflow) uses it, unless `force`.
    public func deleteBank(named name: String, force: Bool = false) async throws {
        let bank = try await bank(named: name)
        if !force { try await requireUnused(bank, change: "deleting") }
        try await store.deleteBank(id: bank.id)
        try await syncIndex()
    }

    private func requireUnused(_ bank: Bank, change: String) async throws {
        guard let check = users.withLock({ $0 }) else { return }
        let users = try await check(bank)
        if !users.isEmpty { throw BankError.inUse(bank.name, usedBy: users, change: change) }
    }

    /// What uses a bank (the published workflows that name it), asked before it is deleted, renamed or retyped.
    public func checkUsers(_ check: @escaping @Sendable (Bank) async throws -> [String]) {
        users.withLock { $0 = check }
    }

    /// Adds entries to a bank in one atomic batch.
    @discardableResult
    public func addEntries(_ entries: [NewEntry], to bank: Bank) async throws -> BatchOutcome {
        let outcome = try await store.applyBatch(bankID: bank.id, insert: entries, deleteExternalIDs: [], at: Date(),
                                                 returningRows: true)
        try await syncIndex()
        return outcome
    }

    public func removeEntry(id: Int64) async throws -> BankEntry {
        guard let entry = try await store.deleteEntry(id: id) else { throw BankError.notFound("entry \(id)") }
        try await syncIndex()
        return entry
    }

    /// Stops an entry from matching until `until` (nil: matches again now).
    public func snooze(entryID: Int64, until: Date?) async throws -> BankEntry {
        // That date is the quarantine's mark: a snooze ends before it.
        if let until, until >= EntryQuarantine.until {
            throw BankError.invalid("disabled_until must be before 9999-12-31T23:59:59Z (to take an entry out for good, delete it)")
        }
        // Snoozing (or waking) a quarantined entry is a curator's decision on it: the quarantine
        // ends, and the snooze holds.
        if let current = try await store.entry(id: entryID), current.metadata.quarantine != nil { _ = try await store.restore(entryID: entryID) }
        guard let entry = try await store.setDisabledUntil(entryID: entryID, until) else { throw BankError.notFound("entry \(entryID)") }
        try await syncIndex()
        return entry
    }

    /// Quarantines an entry that matches too much: it matches nothing from now on, on every replica.
    public func quarantine(entryID: Int64, reason: String, at time: Date = Date()) async throws -> BankEntry {
        guard let entry = try await store.quarantine(entryID: entryID, EntryQuarantine(at: time, reason: reason)) else {
            throw BankError.notFound("entry \(entryID)")
        }
        try await syncIndex()
        return entry
    }

    /// A curator's decision: the quarantined entry matches again.
    public func restore(entryID: Int64) async throws -> BankEntry {
        guard let entry = try await store.restore(entryID: entryID) else { throw BankError.notFound("entry \(entryID)") }
        try await syncIndex()
        return entry
    }

    /// Reviewers' verdicts on entries' matches (none: zero of each).
    public func feedback(entryIDs: [Int64]) async throws -> [Int64: EntryFeedback] { try await store.feedback(entryIDs: entryIDs) }
    public func bankFeedback() async throws -> [Int64: EntryFeedback] { try await store.bankFeedback(bankID: nil) }
    /// One bank's totals, without reading the others'.
    public func feedback(of bank: Bank) async throws -> EntryFeedback { try await store.bankFeedback(bankID: bank.id)[bank.id] ?? EntryFeedback() }
    public func addMatches(_ counts: [Int64: EntryMatchCount]) async throws { try await store.addMatches(counts) }
    public func recordVote(entryID: Int64, voter: String, direction: ListVote.Direction, at time: Date = Date()) async throws {
        try await store.recordVote(entryID: entryID, voter: voter, direction: direction, at: time)
    }
    public func quarantined(in bank: Bank, limit: Int = 100) async throws -> [BankEntry] { try await store.quarantined(bankID: bank.id, limit: limit) }
    public func quarantinedCounts() async throws -> [Int64: Int] { try await store.quarantinedCounts(bankID: nil) }
    public func quarantinedCount(of bank: Bank) async throws -> Int { try await store.quarantinedCounts(bankID: bank.id)[bank.id] ?? 0 }

    public func setNote(entryID: Int64, _ note: String?) async throws -> BankEntry {
        guard let entry = try await store.setNote(entryID: entryID, note) else { throw BankError.notFound("entry \(entryID)") }
        return entry
    }

    public func entry(id: Int64) async throws -> BankEntry {
        guard let entry = try await store.entry(id: id) else { throw BankError.notFound("entry \(id)") }
        return entry
    }

    public func match(_ query: MatchQuery) -> MatchResult { index.match(query) }
    /// As a lookup at `now` would match (snoozes end by then).
    public func match(_ query: MatchQuery, now: Date) -> MatchResult { index.match(query, now: now) }
}
