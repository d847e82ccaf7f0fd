public import Foundation

/// Where a bank's entries come from when they are not curated by hand: a hash-sharing list
/// (NCMEC's today) read incrementally with a stored credential, on a schedule and on demand.
public struct BankSource: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// NCMEC Hash Sharing API v2, with an `ncmec_hash_sharing` credential.
        case ncmec
    }

    public var bankID: Int64
    public var kind: Kind
    public var credentialID: String
    /// How often the scheduler syncs the bank.
    public var interval: TimeInterval
    /// The end of the last time range read whole; the next sync starts there. Nil before the
    /// first complete sync, which reads the list from its beginning.
    public var checkpoint: Date?
    /// When the scheduler next queues a sync.
    public var nextRunAt: Date
    public var lastRunAt: Date?
    /// What the last sync did or why it failed, in words.
    public var lastOutcome: String?

    public static let defaultInterval: TimeInterval = 15 * 60

    public init(bankID: Int64, kind: Kind, credentialID: String, interval: TimeInterval = BankSource.defaultInterval,
                checkpoint: Date? = nil, nextRunAt: Date = Date(), lastRunAt: Date? = nil, lastOutcome: String? = nil) {
        self.bankID = bankID
        self.kind = kind
        self.credentialID = credentialID
        self.interval = interval
        self.checkpoint = checkpoint
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
        self.lastOutcome = lastOutcome
    }
}

/// Where bank sources are kept.
public protocol BankSourceStore: Sendable {
    func source(bankID: Int64) async throws -> BankSource?
    func sources() async throws -> [BankSource]
    /// Stores the bank's source, replacing one it had (its checkpoint kept when the kind and
    /// credential stay the same).
    func save(_ source: BankSource) async throws
    func remove(bankID: Int64) async throws -> Bool
    /// The sources due at `now`, each moved to its next run in the same statement: of several
    /// processes asking at once, each due source goes to exactly one.
    func claimDue(at now: Date) async throws -> [BankSource]
    /// Records a finished sync: its outcome, and (after a complete one) the new checkpoint.
    func recordRun(bankID: Int64, at time: Date, checkpoint: Date?, outcome: String) async throws
}

/// Pages of a hash-sharing list for a time range, as the list's own documents (NCMEC's
/// `<queryResult>` XML), in the order the list serves them.
public protocol HashSharingFeed: Sendable {
    func pages(credentialID: String, from: Date, to: Date) -> AsyncThrowingStream<[UInt8], any Error>
}
