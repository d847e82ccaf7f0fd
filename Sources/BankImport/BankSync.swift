public import Banks
public import Foundation
public import Jobs

/// Brings a synced bank up to date with its list: every page since the bank's checkpoint, each
/// imported as entries keyed by the list's own ids (NCMEC: `ncmec:MEMBER:ID`; another Vigil:
/// `vigil:BANK:ID`), so a later record updates an entry in place, a deletion removes it and a record
/// already there changes nothing; and the checkpoint moved only once every page was read —
/// NCMEC does not serve a time range in order. A sync cut off anywhere therefore reads its range
/// again and ends in the same state: nothing lost, nothing doubled.
/// Every write goes through the bank service, so the change log carries it to every replica.
public struct BankSync: Sendable {
    let banks: BankService
    let sources: any BankSourceStore
    let feed: any HashSharingFeed

    public init(banks: BankService, sources: any BankSourceStore, feed: any HashSharingFeed) {
        self.banks = banks
        self.sources = sources
        self.feed = feed
    }

    public struct Outcome: Codable, Sendable {
        public var summaryText: ImportSummaryText
        public var pages: Int
        /// Where the sync started and where the next one starts.
        public var from: String?
        public var checkpoint: String

        public var summary: ImportSummary { summaryText.summary }

        init(summary: ImportSummary, pages: Int, from: String?, checkpoint: String) {
            summaryText = ImportSummaryText(summary)
            self.pages = pages
            self.from = from
            self.checkpoint = checkpoint
        }

        enum CodingKeys: String, CodingKey { case summaryText = "summary", pages, from, checkpoint }
    }

    public enum Failure: Error, CustomStringConvertible {
        case noSource(String)
        case noBank(Int64)
        case noCheckpoint(String)

        public var description: String {
            switch self {
            case let .noSource(bank): "bank \(bank) follows no list (PUT /v1/banks/\(bank)/source sets one)"
            case let .noBank(id): "the synced bank \(id) no longer exists"
            case let .noCheckpoint(bank): "the list of bank \(bank) ended without saying where the next sync starts"
            }
        }
    }

    /// With a `lease`, the sync's outcome and checkpoint are written only while that claim holds
    /// the sync's job.
    public func run(bankID: Int64, now: Date = Date(), lease: JobLease? = nil,
                    page: (Int, ImportSummary) throws -> Void = { _, _ in }) async throws -> Outcome {
        guard let bank = try await banks.listBanks().first(where: { $0.id == bankID }) else { throw Failure.noBank(bankID) }
        guard let source = try await sources.source(bankID: bankID) else { throw Failure.noSource(bank.name) }
        var total = ImportSummary(), pages = 0, checkpoint: String?
        do {
            // Queued before the deletion began: the bank takes no entries now (a deletion that
            // begins during the sync stops it at its next page, refused by the bank service).
            if bank.deleting { throw BankError.beingDeleted(bank.name) }
            for try await document in feed.pages(for: source, now: now) {
                total.accumulate(try await apply(document.document, kind: source.kind, to: bank))
                pages += 1
                if let next = document.checkpoint { checkpoint = next }
                try page(pages, total)
            }
            guard let checkpoint else { throw Failure.noCheckpoint(bank.name) }
            try await sources.recordRun(bankID: bankID, at: now, checkpoint: checkpoint, outcome: Self.words(total, pages: pages), fence: lease)
            return Outcome(summary: total, pages: pages, from: source.checkpoint, checkpoint: checkpoint)
        } catch {
            // The failure is the job's error too; recording it on the source is for the banks page.
            if case JobError.leaseLost = error { throw error }
            let failure = error
            do {
                try await sources.recordRun(bankID: bankID, at: now, checkpoint: nil, outcome: "failed: \(failure)", fence: lease)
            } catch {
                throw SyncRecordFailure(sync: String(describing: failure), record: String(describing: error))
            }
            throw failure
        }
    }

    /// The sync failed, and so did recording that on its source.
    struct SyncRecordFailure: Error, CustomStringConvertible {
        let sync: String
        let record: String
        var description: String { "the sync failed (\(sync)), and recording that on its source failed too (\(record))" }
    }

    /// One page, read by the reader of its list's format, imported into the bank.
    func apply(_ document: [UInt8], kind: BankSource.Kind, to bank: Bank) async throws -> ImportSummary {
        switch kind {
        case .ncmec:
            var reader = try NCMECXMLReader(bytes: document, addedBy: "sync:ncmec")
            return try await banks.importEntries(into: bank, from: &reader)
        case .vigilRemote:
            var reader = try VigilChangesReader(document, addedBy: "sync:vigil_remote")
            return try await banks.importEntries(into: bank, from: &reader)
        }
    }

    static func words(_ summary: ImportSummary, pages: Int) -> String {
        "ok: \(pages) pages, \(summary.added) added, \(summary.updated) updated, \(summary.removed) removed, "
            + "\(summary.duplicates) unchanged, \(summary.rejectedCount) rejected"
            + (summary.lowQuality > 0 ? ", \(summary.lowQuality) below the quality gate" : "")
    }
}

/// `bank.sync`: one sync of a bank with its source, queued by the scheduler or on demand. Safe
/// to repeat: an interrupted sync reads its range again (see `BankSync`).
public struct BankSyncJob: JobHandler {
    public static let kind = BankSyncService.jobKind
    public var kind: String { Self.kind }
    public var safeToRepeat: Bool { true }

    let sync: BankSync

    public init(sync: BankSync) { self.sync = sync }

    public struct Payload: Codable, Sendable {
        public var bankID: Int64
        public init(bankID: Int64) { self.bankID = bankID }
        enum CodingKeys: String, CodingKey { case bankID = "bank_id" }
    }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        let payload = try JobText.payload(Payload.self, of: job)
        let outcome: BankSync.Outcome
        do {
            outcome = try await sync.run(bankID: payload.bankID, lease: context.lease) { pages, summary in
                try context.checkCancelled()
                context.report(try JobText.encode(["pages": pages, "added": summary.added, "removed": summary.removed]))
            }
        } catch let failure as BankSync.Failure {
            throw JobFailure.permanent(failure.description)
        } catch let error as BankError {
            // A bank being deleted takes no entries until it is gone: trying again cannot help.
            guard case .beingDeleted = error else { throw error }
            throw JobFailure.permanent(error.description)
        }
        return try JobText.encode(outcome)
    }

    /// The sync's job keeps dying: its source says so.
    public func abandon(_ job: Job, reason: String, lease: JobLease) async throws {
        let payload = try JobText.payload(Payload.self, of: job)
        try await sync.sources.recordRun(bankID: payload.bankID, at: Date(), checkpoint: nil, outcome: "failed: the sync \(reason)", fence: lease)
    }
}

