public import Jobs
/// How an import went, or how far it has got: also the checkpoint a resumed import starts from.
public struct ImportSummary: Sendable, Equatable {
    /// Rows (records, files) consumed from the source, rejected ones included.
    public var rowsRead = 0
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
    /// Entries read whose PDQ quality is below the bank's quality gate (its own, or 50): kept, and
    /// flagged for a curator (a flat or tiny image's hash matches unrelated images).
    public var lowQuality = 0
    /// The first rejections, with their line (record, file) numbers.
    public var rejected: [Rejection] = []
    public static let rejectedKept = 1000

    public struct Rejection: Sendable, Equatable {
        public var line: Int
        public var reason: String

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    public init() {}

    /// Adds another import's counts to these (the pages of one sync).
    public mutating func accumulate(_ other: ImportSummary) {
        rowsRead += other.rowsRead
        added += other.added
        duplicates += other.duplicates
        updated += other.updated
        removed += other.removed
        replaced += other.replaced
        rejectedCount += other.rejectedCount
        lowQuality += other.lowQuality
        rejected += other.rejected.prefix(max(0, Self.rejectedKept - rejected.count))
    }

    mutating func reject(line: Int, reason: String) {
        rejectedCount += 1
        if rejected.count < Self.rejectedKept { rejected.append(Rejection(line: line, reason: reason)) }
    }

    mutating func add(_ outcome: BatchOutcome) {
        added += outcome.insertedCount
        duplicates += outcome.duplicates
        updated += outcome.updated
        removed += outcome.withdrawn.count
        replaced += outcome.replaced.count
    }
}

/// A job's progress, committed in the same transaction as the batch it follows.
public struct BatchCheckpoint: Sendable {
    /// The claim that holds the job: if it no longer does, the batch is refused whole.
    public var lease: JobLease
    public var progress: String

    public init(lease: JobLease, progress: String) {
        self.lease = lease
        self.progress = progress
    }
}
