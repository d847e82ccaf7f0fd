public import Foundation
public import Jobs

/// What a reviewers' decision sends back to the list an entry came from (NCMEC's hash-sharing
/// feedback, or the Vigil a bank follows): an up-vote for a confirmed match, a down-vote for a
/// false positive, on one fingerprint of the entry. Written with the decision, in its transaction, when the bank's
/// source sends feedback (off by default); sent by a `bank.feedback` job, exactly once.
public struct ListVote: Sendable, Equatable {
    public enum Direction: String, Sendable {
        case up, down
    }

    public enum State: String, Sendable {
        /// Not sent yet (or sent and not acknowledged: sent again, which a vote allows — a list
        /// keeps one vote per member and fingerprint, the later replacing the earlier).
        case queued
        case sent
        /// The list refused it for good (a wrong credential, an entry it no longer has), or the
        /// job gave up: `lastError` says why.
        case failed
        /// Not sent: the bank's source stopped sending feedback (or was removed) before it went.
        case skipped
    }

    public var id: Int64
    public var caseID: Int64
    /// The case's version the decision made: a case reopened and decided again votes again.
    public var decision: Int64
    public var entryID: Int64
    public var bankID: Int64
    /// The entry's key in its list (`ncmec:MEMBER:ID`), kept with the vote: the entry may be gone
    /// by the time it is sent.
    public var externalID: String
    /// The list's name for the fingerprint voted on (NCMEC: `PDQ`, `MD5`; another Vigil: `ENTRY`, the entry as a whole).
    public var fingerprint: String
    public var direction: Direction
    public var state: State
    public var attempts: Int
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?

    public init(id: Int64, caseID: Int64, decision: Int64, entryID: Int64, bankID: Int64, externalID: String, fingerprint: String,
                direction: Direction, state: State, attempts: Int = 0, lastError: String? = nil, createdAt: Date, sentAt: Date? = nil) {
        self.id = id
        self.caseID = caseID
        self.decision = decision
        self.entryID = entryID
        self.bankID = bankID
        self.externalID = externalID
        self.fingerprint = fingerprint
        self.direction = direction
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}

/// Where votes are kept. The votes themselves are written by the decision's transaction (the
/// case store), not here.
public protocol ListVoteStore: Sendable {
    /// The votes of one decision, by id.
    func votes(caseID: Int64, decision: Int64) async throws -> [ListVote]
    /// The newest votes of a bank's entries, newest first.
    func votes(bankID: Int64, limit: Int) async throws -> [ListVote]
    /// Records an attempt's end: `state` (sent, failed, skipped, or still queued after an error
    /// worth another try) with the error in words; fenced by the job's lease.
    func settle(voteID: Int64, state: ListVote.State, error: String?, at time: Date, fence: JobLease) async throws
    /// The case's verdict on the entry as it stands (nil: the case is not resolved, or judged nothing of it).
    func currentVerdict(caseID: Int64, entryID: Int64) async throws -> ListVote.Direction?
    /// Queues a bank's failed votes again; answers the decisions they belong to (one job each).
    func requeueFailed(bankID: Int64) async throws -> [ListFeedbackJob.Payload]
}

/// Sends one vote to the list a source follows.
public protocol ListFeedbackSender: Sendable {
    /// Throws `ListFeedbackRefusal` when the list refuses the vote for good; any other error is
    /// worth another try.
    func send(_ vote: ListVote, source: BankSource) async throws
}

/// The list refused a vote, and asking again would not change that.
public struct ListFeedbackRefusal: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
