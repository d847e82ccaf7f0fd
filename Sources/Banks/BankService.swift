public import Foundation
public import ImageCodecs

/// The banks use cases. Every change goes to storage, which logs it in the same transaction; the
/// index learns of it from that log (`IndexFollower`), whichever process wrote it. A write here
/// waits for its own change to reach the local index, so a hash is matchable when its write returns.
public final class BankService: Sendable {
    public let store: any BankStore
    public let index: MatchIndex
    /// Nil for one-shot tools that never match (a CLI import): writes then skip the index.
    public let follower: IndexFollower?
    /// Runs an index update. An update can merge segments (seconds of CPU at 10M hashes), so a
    /// server passes a runner that moves it to a thread of its own instead of a request's.
    public typealias IndexUpdateRunner = @Sendable (@escaping @Sendable () -> Void) async -> Void

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

    public func updateBank(_ bank: Bank) async throws -> Bank {
        try NewBank(settingsOf: bank).validate()
        let updated = try await store.updateBank(bank)
        try await syncIndex()
        return updated
    }

    public func deleteBank(named name: String) async throws {
        let bank = try await bank(named: name)
        try await store.deleteBank(id: bank.id)
        try await syncIndex()
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
        guard let entry = try await store.setDisabledUntil(entryID: entryID, until) else { throw BankError.notFound("entry \(entryID)") }
        try await syncIndex()
        return entry
    }

    public func setNote(entryID: Int64, _ note: String?) async throws -> BankEntry {
        guard let entry = try await store.setNote(entryID: entryID, note) else { throw BankError.notFound("entry \(entryID)") }
        return entry
    }

    public func entry(id: Int64) async throws -> BankEntry {
        guard let entry = try await store.entry(id: id) else { throw BankError.notFound("entry \(id)") }
        return entry
    }

    public func match(_ query: MatchQuery) -> MatchResult { index.match(query) }

    // MARK: import

    /// How an import went.
    public struct ImportSummary: Sendable {
        public var added = 0
        /// Rows already stored with the same signals (nothing changed, or metadata updated in place).
        public var duplicates = 0
        /// Of the duplicates, stored entries whose source or extra metadata changed (same id, same
        /// note and snooze).
        public var updated = 0
        /// Entries the source withdrew (NCMEC deletions).
        public var removed = 0
        /// Entries replaced by a newer record with the same external id and other signals.
        public var replaced = 0
        public var rejectedCount = 0
        /// The first rejections, with their line (record, file) numbers.
        public var rejected: [(line: Int, reason: String)] = []
        public static let rejectedKept = 1000
    }

    /// Streams `reader` into `bank` in atomic batches. A rejected row writes nothing; a batch that
    /// fails to commit leaves the bank as it was before it, and the error stops the import.
    public func importEntries(
        into bank: Bank, from reader: inout some ImportReader, batchSize: Int = 5000,
        progress: (Double?, ImportSummary) -> Void = { _, _ in }
    ) async throws -> ImportSummary {
        var summary = ImportSummary()
        var inserts: [NewEntry] = []
        var deletes: [String] = []

        func flush() async throws {
            guard !inserts.isEmpty || !deletes.isEmpty else { return }
            let outcome = try await store.applyBatch(bankID: bank.id, insert: inserts, deleteExternalIDs: deletes, at: Date(),
                                                     returningRows: false)
            try await syncIndex()
            summary.added += outcome.insertedCount
            summary.duplicates += outcome.duplicates
            summary.updated += outcome.updated
            summary.removed += outcome.withdrawn.count
            summary.replaced += outcome.replaced.count
            inserts.removeAll(keepingCapacity: true)
            deletes.removeAll(keepingCapacity: true)
            progress(reader.progress, summary)
        }

        while let item = try reader.next() {
            switch item {
            case let .entry(_, entry):
                inserts.append(entry)
            case let .delete(_, externalID):
                // A withdrawal cancels an earlier record of the same batch, and the stored one.
                inserts.removeAll { $0.metadata.externalID == externalID }
                deletes.append(externalID)
            case let .rejected(line, reason):
                summary.rejectedCount += 1
                if summary.rejected.count < ImportSummary.rejectedKept { summary.rejected.append((line, reason)) }
            }
            if inserts.count + deletes.count >= batchSize { try await flush() }
        }
        try await flush()
        return summary
    }

    /// Opens a reader for `url` in `format`, or in the format its content shows when nil.
    public static func reader(
        for url: URL, format: ImportFormat?, listHoldsSHA256: Bool = false, limits: DecodeLimits = .default,
        addedBy: String
    ) throws -> any ImportReader {
        switch try format ?? ImportFormatDetection.detect(url) {
        case .csv: try CSVImportReader(url: url, addedBy: addedBy)
        case .list: try HashListReader(url: url, sixtyFourIsSHA256: listHoldsSHA256, addedBy: addedBy)
        case .ncmecXML: try NCMECXMLReader(url: url, addedBy: addedBy)
        case .images: try ImageFileReader(url: url, limits: limits, addedBy: addedBy)
        }
    }
}
