public import Banks
public import Foundation
public import Jobs

/// Brings a synced bank up to date with its hash-sharing list: every page of the time range
/// from the bank's checkpoint to a few seconds ago, each page imported as NCMEC entries keyed by
/// `ncmec:MEMBER:ID` (a later record updates an entry in place, a deletion removes it, a record
/// already there changes nothing), and the checkpoint moved to the range's end only once the
/// whole range was read — NCMEC does not serve a range in time order. A sync cut off anywhere
/// therefore reads its range again and ends in the same state: nothing lost, nothing doubled.
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
        public var summary: ImportSummary
        public var pages: Int
        public var from: Date?
        public var to: Date
    }

    public enum Failure: Error, CustomStringConvertible {
        case noSource(String)
        case noBank(Int64)

        public var description: String {
            switch self {
            case let .noSource(bank): "bank \(bank) has no hash-sharing source (PUT /v1/banks/\(bank)/source sets one)"
            case let .noBank(id): "the synced bank \(id) no longer exists"
            }
        }
    }

    /// NCMEC's own advice: stop a few seconds short of now, so entries still being written are
    /// read by the next range, not skipped.
    static let settle: TimeInterval = 5

    public func run(bankID: Int64, now: Date = Date(), page: (Int, ImportSummary) throws -> Void = { _, _ in }) async throws -> Outcome {
        guard let bank = try await banks.listBanks().first(where: { $0.id == bankID }) else { throw Failure.noBank(bankID) }
        guard let source = try await sources.source(bankID: bankID) else { throw Failure.noSource(bank.name) }
        let to = now.addingTimeInterval(-Self.settle)
        var total = ImportSummary(), pages = 0
        do {
            for try await document in feed.pages(credentialID: source.credentialID, from: source.checkpoint ?? .distantPastForFeeds, to: to) {
                var reader = try NCMECXMLReader(bytes: document, addedBy: "sync:\(source.kind.rawValue)")
                let summary = try await banks.importEntries(into: bank, from: &reader)
                total.accumulate(summary)
                pages += 1
                try page(pages, total)
            }
        } catch {
            try? await sources.recordRun(bankID: bankID, at: Date(), checkpoint: nil, outcome: "failed: \(error)")
            throw error
        }
        try await sources.recordRun(bankID: bankID, at: Date(), checkpoint: to, outcome: Self.words(total, pages: pages))
        return Outcome(summary: total, pages: pages, from: source.checkpoint, to: to)
    }

    static func words(_ summary: ImportSummary, pages: Int) -> String {
        "ok: \(pages) pages, \(summary.added) added, \(summary.updated) updated, \(summary.removed) removed, "
            + "\(summary.duplicates) unchanged, \(summary.rejectedCount) rejected"
    }
}

extension Date {
    /// Where a first sync starts: before any list has entries.
    static let distantPastForFeeds = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01
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
        let payload: Payload
        do { payload = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)) } catch {
            throw JobFailure.permanent("the job's payload is not a bank sync: \(error)")
        }
        let outcome: BankSync.Outcome
        do {
            outcome = try await sync.run(bankID: payload.bankID) { pages, summary in
                try context.checkCancelled()
                context.report(String(decoding: try JSONEncoder().encode(["pages": pages, "added": summary.added, "removed": summary.removed]),
                                      as: UTF8.self))
            }
        } catch let failure as BankSync.Failure {
            throw JobFailure.permanent(failure.description)
        }
        return String(decoding: try JSONEncoder.sync.encode(outcome), as: UTF8.self)
    }
}

extension JSONEncoder {
    static let sync: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
