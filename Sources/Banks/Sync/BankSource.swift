public import Jobs
public import Foundation

/// Where a bank's entries come from when they are not curated by hand: a hash-sharing list
/// (NCMEC's today) read incrementally with a stored credential, on a schedule and on demand.
public struct BankSource: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// NCMEC Hash Sharing API v2, with an `ncmec_hash_sharing` credential.
        case ncmec
        /// A bank of another Vigil, through its change export, with a `vigil_remote` credential.
        case vigilRemote = "vigil_remote"

        /// The integration whose credentials this kind of source uses.
        public var integration: String {
            switch self {
            case .ncmec: "ncmec_hash_sharing"
            case .vigilRemote: "vigil_remote"
            }
        }
    }

    public var bankID: Int64
    public var kind: Kind
    public var credentialID: String
    /// Whether the schedule syncs the bank (HMA's exchange `enabled`); a sync asked for by hand
    /// runs either way.
    public var enabled: Bool
    /// How often the scheduler syncs the bank.
    public var interval: TimeInterval
    /// Where the last complete sync ended, in the feed's own terms (NCMEC: the end of the time
    /// range, ISO 8601; another Vigil: its change-log sequence); the next sync starts there. Nil
    /// before the first complete sync, which reads the list from its beginning.
    public var checkpoint: String?
    /// Settings of the kind (another Vigil: `bank`, the remote bank's name; NCMEC: `endpoint`, and
    /// `feedback_reason`, the name of the list's reason sent with a down-vote).
    public var options: [String: String]
    /// Whether reviewers' decisions on the bank's matches are sent back to the list as votes
    /// (NCMEC's hash-sharing feedback). Off unless an admin turns it on.
    public var sendsFeedback: Bool
    /// When the scheduler next queues a sync.
    public var nextRunAt: Date
    public var lastRunAt: Date?
    /// What the last sync did or why it failed, in words.
    public var lastOutcome: String?

    public static let defaultInterval: TimeInterval = 15 * 60

    public init(bankID: Int64, kind: Kind, credentialID: String, enabled: Bool = true, interval: TimeInterval = BankSource.defaultInterval,
                checkpoint: String? = nil, options: [String: String] = [:], sendsFeedback: Bool = false, nextRunAt: Date = Date(),
                lastRunAt: Date? = nil, lastOutcome: String? = nil) {
        self.bankID = bankID
        self.kind = kind
        self.credentialID = credentialID
        self.enabled = enabled
        self.interval = interval
        self.checkpoint = checkpoint
        self.options = options
        self.sendsFeedback = sendsFeedback
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
    /// Turns the schedule on or off; false when the bank has no source.
    func setEnabled(bankID: Int64, _ enabled: Bool) async throws -> Bool
    /// The enabled sources due at `now`, each moved to its next run in the same statement: of several
    /// processes asking at once, each due source goes to exactly one. A bank whose deletion has
    /// begun is never due (it takes no entries; its source goes with it).
    func claimDue(at now: Date) async throws -> [BankSource]
    /// Records a finished sync: its outcome, and (after a complete one) the new checkpoint. With a
    /// `fence`, only while that claim still holds the sync's job (`JobError.leaseLost` otherwise).
    func recordRun(bankID: Int64, at time: Date, checkpoint: String?, outcome: String, fence: JobLease?) async throws
}

/// One page of a list, as the list's own document (NCMEC's `<queryResult>` XML, another
/// Vigil's change export JSON).
public struct FeedPage: Sendable {
    public var document: [UInt8]
    /// On the last page: where the next sync starts once this one has applied every page.
    public var checkpoint: String?

    public init(document: [UInt8], checkpoint: String?) {
        self.document = document
        self.checkpoint = checkpoint
    }
}

/// The pages a source's list has for it since its checkpoint, in the order the list serves them.
public protocol HashSharingFeed: Sendable {
    func pages(for source: BankSource, now: Date) -> AsyncThrowingStream<FeedPage, any Error>
}
