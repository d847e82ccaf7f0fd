public import Foundation
public import Jobs

/// `bank.feedback`: sends one decision's votes to the lists their entries came from. Each vote
/// is settled as it goes (sent, refused for good, or skipped when its source stopped sending
/// feedback or its case is no longer resolved that way); an error worth another try leaves the
/// rest queued and the job comes back for them (a minute later, doubling to an hour, for up to
/// three days). Sending a vote again after a crash is safe: a list keeps one vote per member and
/// fingerprint, the later replacing the earlier.
public struct ListFeedbackJob: JobHandler {
    public static let jobKind = "bank.feedback"
    public let kind = ListFeedbackJob.jobKind
    public let safeToRepeat = true
    /// How long a vote is tried while its list cannot be reached.
    public static let patience: TimeInterval = 72 * 3600

    /// What the decision's transaction queues.
    public struct Payload: Codable, Sendable {
        public var caseID: Int64
        public var decision: Int64

        public init(caseID: Int64, decision: Int64) {
            self.caseID = caseID
            self.decision = decision
        }

        enum CodingKeys: String, CodingKey { case caseID = "case_id", decision }
    }

    let votes: any ListVoteStore
    let sources: any BankSourceStore
    let sender: any ListFeedbackSender
    let clock: @Sendable () -> Date

    public init(votes: any ListVoteStore, sources: any BankSourceStore, sender: any ListFeedbackSender, clock: @escaping @Sendable () -> Date) {
        self.votes = votes
        self.sources = sources
        self.sender = sender
        self.clock = clock
    }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        let payload = try JobText.payload(Payload.self, of: job)
        var (sent, refused, skipped) = (0, [String](), 0)
        var retry: (error: any Error, attempts: Int)?
        for vote in try await votes.votes(caseID: payload.caseID, decision: payload.decision) where vote.state == .queued {
            try Task.checkCancellation()
            guard let source = try await sources.source(bankID: vote.bankID), source.sendsFeedback else {
                try await votes.settle(voteID: vote.id, state: .skipped, error: "the bank's source no longer sends feedback to its list",
                                       at: clock(), fence: context.lease)
                skipped += 1
                continue
            }
            // A case reopened or decided the other way since: its vote is not what it says now.
            guard try await votes.currentVerdict(caseID: vote.caseID, entryID: vote.entryID) == vote.direction else {
                try await votes.settle(voteID: vote.id, state: .skipped, error: "the case is no longer resolved this way", at: clock(), fence: context.lease)
                skipped += 1
                continue
            }
            do {
                try await sender.send(vote, source: source)
                try await votes.settle(voteID: vote.id, state: .sent, error: nil, at: clock(), fence: context.lease)
                sent += 1
            } catch let refusal as ListFeedbackRefusal {
                try await votes.settle(voteID: vote.id, state: .failed, error: refusal.description, at: clock(), fence: context.lease)
                refused.append("\(vote.fingerprint) of \(vote.externalID): \(refusal.description)")
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // A list down for a while: tried again for `patience`, then failed for a person to see (and resend).
                let givingUp = clock().timeIntervalSince(vote.createdAt) >= Self.patience
                try await votes.settle(voteID: vote.id, state: givingUp ? .failed : .queued, error: String(describing: error).prefix(500).description,
                                       at: clock(), fence: context.lease)
                if givingUp { refused.append("\(vote.fingerprint) of \(vote.externalID): not reached in \(Int(Self.patience / 3600)) hours: \(error)") }
                else { retry = retry ?? (error, vote.attempts + 1) }
            }
        }
        if let (error, attempts) = retry {
            // Postponed, not failed: a minute, doubling, at most an hour apart, until `patience` runs out.
            let delay = min(3600, 60 * pow(2, Double(min(attempts, 12) - 1)))
            throw JobPostponed(until: clock().addingTimeInterval(delay), reason: "the list could not take a vote; trying again: \(error)")
        }
        if !refused.isEmpty { throw JobFailure.permanent("the list refused \(refused.count) vote(s): \(refused.joined(separator: "; "))") }
        return try JobText.encode(["sent": sent, "skipped": skipped])
    }

    /// The job gave up (its process kept dying under it): the votes still queued say so.
    public func abandon(_ job: Job, reason: String, lease: JobLease) async throws {
        let payload = try JobText.payload(Payload.self, of: job)
        for vote in try await votes.votes(caseID: payload.caseID, decision: payload.decision) where vote.state == .queued {
            try await votes.settle(voteID: vote.id, state: .failed, error: reason, at: clock(), fence: lease)
        }
    }
}
